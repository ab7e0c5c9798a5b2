/// Turns the JSON tree of a deployment file into a `DeploymentConfiguration`: checks keys and
/// types, parses CIDRs and URLs, and fills in defaults. Cross-references (unknown zones,
/// duplicate ids, ...) are checked afterwards by `DeploymentConfiguration.validate()`.
enum DeploymentDecoder {
    static let documentKeys = ["version", "control", "zones", "nodes"]
    static let controlKeys = ["url"]
    static let zoneKeys = ["name", "cidrs", "fallback"]
    static let nodeKeys = ["id", "zone", "reachable", "bind", "advertise", "httpPort", "mediaPort", "url", "linksTo"]

    static func decode(_ document: JSONValue) throws(DeploymentError) -> DeploymentConfiguration {
        let root = try JSONObjectReader(document, path: "")
        // The version comes first: a file written for a later format should be refused for its
        // version, not for the new keys it may contain.
        guard let version = try root.integer("version") else { throw root.missing("version") }
        guard version == DeploymentConfiguration.currentVersion else {
            throw .invalid(path: "version", message: "must be \(DeploymentConfiguration.currentVersion), got \(version)")
        }
        try root.rejectUnknownKeys(allowed: documentKeys)

        guard let controlObject = try root.object("control") else { throw root.missing("control") }
        let control = try decodeControl(controlObject)

        guard let zoneObjects = try root.objects("zones") else { throw root.missing("zones") }
        var zones: [ZoneEntry] = []
        for object in zoneObjects {
            zones.append(try decodeZone(object))
        }

        guard let nodeObjects = try root.objects("nodes") else { throw root.missing("nodes") }
        var nodes: [NodeEntry] = []
        for object in nodeObjects {
            nodes.append(try decodeNode(object))
        }
        return DeploymentConfiguration(version: version, control: control, zones: zones, nodes: nodes)
    }

    private static func decodeControl(_ object: JSONObjectReader) throws(DeploymentError) -> ControlEntry {
        try object.rejectUnknownKeys(allowed: controlKeys)
        let url = try serviceURL(try object.requiredString("url"), path: object.path(of: "url"))
        return ControlEntry(url: url)
    }

    private static func decodeZone(_ object: JSONObjectReader) throws(DeploymentError) -> ZoneEntry {
        try object.rejectUnknownKeys(allowed: zoneKeys)
        let name = try object.requiredString("name")
        var cidrs: [CIDR] = []
        for (index, text) in (try object.strings("cidrs") ?? []).enumerated() {
            guard let cidr = CIDR(text) else {
                throw .invalid(path: "\(object.path(of: "cidrs"))[\(index)]",
                               message: "\"\(text)\" is not an address range (expected e.g. 10.0.0.0/8, fd00::/8 or 0.0.0.0/0)")
            }
            cidrs.append(cidr)
        }
        let fallback = try object.strings("fallback") ?? []
        return ZoneEntry(name: name, cidrs: cidrs, fallback: fallback)
    }

    private static func decodeNode(_ object: JSONObjectReader) throws(DeploymentError) -> NodeEntry {
        try object.rejectUnknownKeys(allowed: nodeKeys)
        let id = try object.requiredString("id")
        let zone = try object.requiredString("zone")
        guard let advertise = try object.strings("advertise") else { throw object.missing("advertise") }
        var url: ServiceURL? = nil
        if let text = try object.string("url") {
            url = try serviceURL(text, path: object.path(of: "url"))
        }
        return NodeEntry(
            id: id,
            zone: zone,
            reachable: try object.bool("reachable") ?? true,
            bind: try object.string("bind"),
            advertise: advertise,
            httpPort: try object.integer("httpPort") ?? NodeEntry.defaultHTTPPort,
            mediaPort: try object.integer("mediaPort") ?? NodeEntry.defaultMediaPort,
            url: url,
            linksTo: try object.strings("linksTo") ?? []
        )
    }

    private static func serviceURL(_ text: String, path: String) throws(DeploymentError) -> ServiceURL {
        switch ServiceURL.parse(text) {
        case .success(let url):
            return url
        case .failure(let problem):
            throw .invalid(path: path, message: "\"\(text)\" \(problem.reason)")
        }
    }
}
