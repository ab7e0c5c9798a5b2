/// A media node as links see it: a peer this node may link with, or any node of the deployment.
public struct CascadePeer: Sendable, Equatable {
    public var id: String
    /// Its HTTP API, e.g. "http://10.0.2.2:8081"; links to it are dialed at `/v1/cascade/link`.
    public var url: String?
    /// Whether this node can open connections to it. Links to an unreachable peer exist only
    /// while that peer keeps one open to us.
    public var reachable: Bool

    public init(id: String, url: String?, reachable: Bool) {
        self.id = id
        self.url = url
        self.reachable = reachable
    }
}

/// How one node's publications and pulls travel between the nodes of a deployment: which nodes
/// it may link with, through which node it pulls from an origin it cannot link with, and which
/// pulls it refuses so that no track ever loops. Pure values, made from the deployment file's
/// nodes (in file order) and its link rules.
///
/// Two nodes may link when the rules allow it and at least one of them accepts connections
/// (`reachable`): an office behind a firewall opens every link itself. An origin this node may
/// not link with — another firewalled office — is pulled through an *intermediary*: the first
/// reachable node in file order that may link with both. Each node holds one copy of a track at
/// most and serves it onward only away from where it came, so a track's relay graph is a tree
/// rooted at its origin and crosses each link once.
public struct RoutingPlan: Sendable, Equatable {
    public let node: String
    /// Whether peers can open connections to this node.
    public let reachable: Bool
    /// The nodes this node may link with.
    public let peers: [CascadePeer]
    /// For each origin this node cannot link with, the reachable node to pull through.
    public let intermediaries: [String: String]

    /// - Parameter nodes: every node of the deployment, in file order.
    /// - Parameter mayLink: the deployment's link rules (`linksTo`), symmetric or not; a pair
    ///   may link when the rule allows it and one of the two is reachable.
    public init(node: String, nodes: [CascadePeer], mayLink: (String, String) -> Bool) {
        let byID = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func canLink(_ a: String, _ b: String) -> Bool {
            guard a != b, let x = byID[a], let y = byID[b] else { return false }
            return mayLink(a, b) && (x.reachable || y.reachable)
        }
        self.node = node
        self.reachable = byID[node]?.reachable ?? true
        self.peers = nodes.filter { canLink(node, $0.id) }
        var intermediaries: [String: String] = [:]
        for origin in nodes where origin.id != node && !canLink(node, origin.id) {
            if let via = nodes.first(where: { $0.reachable && canLink(node, $0.id) && canLink($0.id, origin.id) }) {
                intermediaries[origin.id] = via.id
            }
        }
        self.intermediaries = intermediaries
    }

    /// A plan given directly (tests, a node alone).
    public init(node: String, reachable: Bool, peers: [CascadePeer], intermediaries: [String: String] = [:]) {
        self.node = node
        self.reachable = reachable
        self.peers = peers
        self.intermediaries = intermediaries
    }

    public func peer(_ id: String) -> CascadePeer? { peers.first { $0.id == id } }

    /// The node to ask for a publication that originates on `origin`: the origin itself, or the
    /// intermediary between us.
    public func nextHop(toOrigin origin: String) -> String {
        intermediaries[origin] ?? origin
    }

    /// An unreachable node keeps a standing link (its "door") open to every reachable peer, so
    /// that they can pull from it; a reachable node keeps none.
    public var doors: [CascadePeer] {
        reachable ? [] : peers.filter { $0.reachable && $0.url != nil }
    }

    /// Why this node refuses a pull of a publication originating on `origin`, asked by `asker`
    /// along `path` (the nodes the request passed through, asker last), or nil to serve it.
    /// A pull that already passed through here would loop.
    public func refusal(ofPullFrom asker: String, origin: String, path: [String]) -> String? {
        if path.contains(node) { return "the pull loops through node '\(node)' (path \(path))" }
        if origin == asker { return "node '\(asker)' is the publication's origin" }
        return nil
    }

    /// Whether a publication this node relays (it came from `source`) may be served to `peer`:
    /// never back the way it came, never to its origin.
    public static func mayServeRelayed(origin: String, receivedFrom source: String, to peer: String) -> Bool {
        peer != source && peer != origin
    }

    /// Two reachable nodes that need each other at the same moment dial each other at once, and
    /// one link must survive (one transport per pair). The rule: the node with the smaller id
    /// keeps the link it dialed and refuses the other's; the other accepts that one instead.
    public func keepsOwnDial(against peer: String) -> Bool {
        node < peer
    }
}
