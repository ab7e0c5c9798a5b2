/// One media node of a deployment, as the deployment file describes it.
///
/// A node's `id` is the prefix of the resource ids it hands out (`office-1.pub...`), so it is
/// short, lowercase and unique in the deployment.
public struct NodeEntry: Sendable, Equatable {
    public static let defaultHTTPPort = 8081
    public static let defaultMediaPort = 7882

    /// 1–32 characters of `a-z`, `0-9` and `-`.
    public var id: String
    /// The name of the zone the node serves.
    public var zone: String
    /// Whether other nodes and the control role can open connections to this node (its `url`
    /// and its media port). A node that is not reachable, such as an office node behind a
    /// firewall, opens every connection itself.
    public var reachable: Bool
    /// The local address the node's sockets bind to. Defaults to the first advertised address.
    public var bind: String
    /// Addresses put in ICE candidates, in order of preference (the first is used for now).
    public var advertise: [String]
    /// Port of the node's HTTP API (media API, WHIP/WHEP, metrics).
    public var httpPort: Int
    /// The single UDP/TCP port for all media, including CascadeLinks from other nodes.
    public var mediaPort: Int
    /// Base URL of the node's HTTP API as others reach it; required when `reachable`.
    public var url: ServiceURL?
    /// Node ids this node may link with; empty means any node.
    public var linksTo: [String]

    public init(
        id: String,
        zone: String,
        reachable: Bool = true,
        bind: String? = nil,
        advertise: [String],
        httpPort: Int = NodeEntry.defaultHTTPPort,
        mediaPort: Int = NodeEntry.defaultMediaPort,
        url: ServiceURL? = nil,
        linksTo: [String] = []
    ) {
        self.id = id
        self.zone = zone
        self.reachable = reachable
        self.bind = bind ?? advertise.first ?? "0.0.0.0"
        self.advertise = advertise
        self.httpPort = httpPort
        self.mediaPort = mediaPort
        self.url = url
        self.linksTo = linksTo
    }

    /// Whether this node's own `linksTo` list allows a link with `otherID`. A link is allowed
    /// when either side allows it: see `DeploymentConfiguration.mayLink(_:_:)`.
    public func allowsLink(with otherID: String) -> Bool {
        otherID != id && (linksTo.isEmpty || linksTo.contains(otherID))
    }

    /// Whether `text` is a valid node id: 1–32 characters of `a-z`, `0-9` and `-`.
    public static func isValidID(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}
