import Foundation

/// A whole deployment: where the control role is, the zones clients are sorted into, and every
/// media node. One file describes it and every process reads the same file
/// (`cascade media --config F --node ID`, `cascade control --config F`); see docs/deploy.md.
public struct DeploymentConfiguration: Sendable, Equatable {
    /// The only format version understood so far.
    public static let currentVersion = 1

    public var version: Int
    public var control: ControlEntry
    public var zones: [ZoneEntry]
    public var nodes: [NodeEntry]

    /// Builds a configuration in code. Nothing is checked here: call `validate()`.
    public init(version: Int = DeploymentConfiguration.currentVersion, control: ControlEntry,
                zones: [ZoneEntry], nodes: [NodeEntry]) {
        self.version = version
        self.control = control
        self.zones = zones
        self.nodes = nodes
    }

    /// Reads and validates the deployment file at `path`.
    public static func load(path: String) throws(DeploymentError) -> DeploymentConfiguration {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else {
            throw .fileUnreadable(path: path, reason: "it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileUnreadable(path: path, reason: "permission denied or I/O error")
        }
        return try parse([UInt8](data))
    }

    /// Parses and validates a deployment file's bytes (JSON). Throws the first problem found.
    public static func parse(_ bytes: [UInt8]) throws(DeploymentError) -> DeploymentConfiguration {
        let document = try JSONValue.decode(bytes)
        let configuration = try DeploymentDecoder.decode(document)
        try configuration.validate()
        return configuration
    }

    /// The node with this id, if the deployment has one.
    public func node(id: String) -> NodeEntry? {
        nodes.first { $0.id == id }
    }

    /// The zone with this name, if the deployment has one.
    public func zone(named name: String) -> ZoneEntry? {
        zones.first { $0.name == name }
    }

    /// The nodes of a zone, in file order.
    public func nodes(inZone name: String) -> [NodeEntry] {
        nodes.filter { $0.zone == name }
    }

    /// Whether nodes `a` and `b` may be joined by a CascadeLink: allowed when either node's
    /// `linksTo` allows the other (an empty `linksTo` allows any node), and at least one of the
    /// two is reachable (two nodes that accept no inbound connection can never meet). Unknown
    /// ids and a node paired with itself never link.
    public func mayLink(_ a: String, _ b: String) -> Bool {
        guard a != b, let first = node(id: a), let second = node(id: b) else { return false }
        guard first.reachable || second.reachable else { return false }
        return first.allowsLink(with: b) || second.allowsLink(with: a)
    }
}
