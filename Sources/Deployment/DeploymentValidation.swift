/// The rules a deployment must follow beyond the JSON types: identifiers, references between
/// zones and nodes, addresses and ports. Each problem names its place in the file.
extension DeploymentConfiguration {
    /// Throws the first rule broken, in file order (zones before nodes).
    public func validate() throws(DeploymentError) {
        guard version == DeploymentConfiguration.currentVersion else {
            throw .invalid(path: "version", message: "must be \(DeploymentConfiguration.currentVersion), got \(version)")
        }
        try validateZones()
        try validateNodes()
    }

    private func validateZones() throws(DeploymentError) {
        let zoneNames = Set(zones.map(\.name))
        var firstIndexByName: [String: Int] = [:]
        for (index, zone) in zones.enumerated() {
            let path = "zones[\(index)]"
            guard NodeEntry.isValidID(zone.name) else {
                throw .invalid(path: "\(path).name",
                               message: "\"\(zone.name)\" is not a valid zone name (1-32 characters of a-z, 0-9 and -)")
            }
            if let earlier = firstIndexByName[zone.name] {
                throw .invalid(path: "\(path).name", message: "duplicate zone \"\(zone.name)\" (also zones[\(earlier)])")
            }
            firstIndexByName[zone.name] = index
        }
        // Fallbacks once every name is known good, so a misspelt name is reported where it is
        // defined rather than everywhere it is used.
        for (index, zone) in zones.enumerated() {
            for (position, other) in zone.fallback.enumerated() {
                let fallbackPath = "zones[\(index)].fallback[\(position)]"
                guard other != zone.name else {
                    throw .invalid(path: fallbackPath, message: "zone \"\(zone.name)\" cannot fall back to itself")
                }
                guard zoneNames.contains(other) else {
                    throw .invalid(path: fallbackPath, message: "unknown zone \"\(other)\"")
                }
            }
        }
    }

    private func validateNodes() throws(DeploymentError) {
        guard !nodes.isEmpty else {
            throw .invalid(path: "nodes", message: "must list at least one media node")
        }
        let zoneNames = Set(zones.map(\.name))
        var firstIndexByID: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            let path = "nodes[\(index)]"
            guard NodeEntry.isValidID(node.id) else {
                throw .invalid(path: "\(path).id",
                               message: "\"\(node.id)\" is not a valid node id (1-32 characters of a-z, 0-9 and -)")
            }
            if let earlier = firstIndexByID[node.id] {
                throw .invalid(path: "\(path).id", message: "duplicate node id \"\(node.id)\" (also nodes[\(earlier)])")
            }
            firstIndexByID[node.id] = index

            guard zoneNames.contains(node.zone) else {
                throw .invalid(path: "\(path).zone", message: "unknown zone \"\(node.zone)\"")
            }
            try validateAddresses(of: node, path: path)
            try validatePort(node.httpPort, path: "\(path).httpPort")
            try validatePort(node.mediaPort, path: "\(path).mediaPort")
            if node.reachable && node.url == nil {
                throw .invalid(path: "\(path).url",
                               message: "is required for a reachable node (set \"reachable\": false for a node that accepts no inbound connections)")
            }
            for (position, other) in node.linksTo.enumerated() {
                let linkPath = "\(path).linksTo[\(position)]"
                guard other != node.id else {
                    throw .invalid(path: linkPath, message: "node \"\(node.id)\" cannot link to itself")
                }
                guard let peer = self.node(id: other) else {
                    throw .invalid(path: linkPath, message: "unknown node \"\(other)\"")
                }
                guard node.reachable || peer.reachable else {
                    throw .invalid(path: linkPath,
                                   message: "nodes \"\(node.id)\" and \"\(other)\" are both unreachable, so neither can accept the link")
                }
            }
        }
    }

    private func validateAddresses(of node: NodeEntry, path: String) throws(DeploymentError) {
        guard !node.advertise.isEmpty else {
            throw .invalid(path: "\(path).advertise", message: "must list at least one IP address")
        }
        for (position, text) in node.advertise.enumerated() {
            guard let address = IPAddress(text) else {
                throw .invalid(path: "\(path).advertise[\(position)]",
                               message: "\"\(text)\" is not an IP address (names are not resolved here)")
            }
            guard !address.isUnspecified else {
                throw .invalid(path: "\(path).advertise[\(position)]",
                               message: "\"\(text)\" is the unspecified address; advertise an address clients can reach")
            }
        }
        guard IPAddress(node.bind) != nil else {
            throw .invalid(path: "\(path).bind", message: "\"\(node.bind)\" is not an IP address")
        }
    }

    private func validatePort(_ port: Int, path: String) throws(DeploymentError) {
        guard (1...65535).contains(port) else {
            throw .invalid(path: path, message: "must be between 1 and 65535, got \(port)")
        }
    }
}
