/// Decides which media node a client should use: its zone from its address, then a healthy node
/// of that zone chosen per room, then the zone's fallbacks, then any healthy node.
///
/// Pure and deterministic: the same configuration, room, address and healthy set give the same
/// answer in every process, so all participants of a room in one zone meet on one node.
public struct ZoneSelector: Sendable {
    public let configuration: DeploymentConfiguration
    /// Every zone CIDR, longest prefix first; file order among equal lengths.
    private let rules: [(cidr: CIDR, zone: String)]

    public init(_ configuration: DeploymentConfiguration) {
        self.configuration = configuration
        let rules = configuration.zones.flatMap { zone in zone.cidrs.map { (cidr: $0, zone: zone.name) } }
        // A stable sort keeps file order for equal prefix lengths, so the first zone listed wins
        // a tie (two zones claiming the same range is a configuration smell, not an error).
        self.rules = rules.enumerated()
            .sorted { $0.element.cidr.prefixLength != $1.element.cidr.prefixLength
                ? $0.element.cidr.prefixLength > $1.element.cidr.prefixLength
                : $0.offset < $1.offset }
            .map(\.element)
    }

    /// The zone whose CIDR is the longest match for the address (IPv4, IPv6, IPv4-mapped IPv6,
    /// with or without brackets or `%zone`); nil if no rule matches or the address is not one.
    public func zone(forClientAddress address: String) -> String? {
        guard let parsed = IPAddress(clientAddress: address) else { return nil }
        return rules.first { $0.cidr.contains(parsed) }?.zone
    }

    /// Every healthy node in order of preference for a room and a client: the node to use
    /// first, then where to go if it fails.
    public func candidates(room: String, clientAddress: String, healthy: Set<String>) -> [NodeEntry] {
        candidates(room: room, zone: zone(forClientAddress: clientAddress), healthy: healthy)
    }

    /// Every healthy node in order of preference for a room in a zone (nil: no zone known):
    /// 1. the zone's healthy nodes, ranked by rendezvous hashing of (room, node id);
    /// 2. for each zone of its `fallback` list, in order, that zone's healthy nodes, ranked
    ///    the same way;
    /// 3. every other healthy node, in file order (the file lists nearer nodes first).
    public func candidates(room: String, zone: String?, healthy: Set<String>) -> [NodeEntry] {
        var ordered: [NodeEntry] = []
        var taken: Set<String> = []
        func add(_ node: NodeEntry) {
            if healthy.contains(node.id) && taken.insert(node.id).inserted {
                ordered.append(node)
            }
        }
        if let zone, let entry = configuration.zone(named: zone) {
            for name in [entry.name] + entry.fallback {
                let ids = configuration.nodes(inZone: name).map(\.id).filter { healthy.contains($0) }
                for id in RendezvousHash.rank(ids, for: room) {
                    if let node = configuration.node(id: id) { add(node) }
                }
            }
        }
        for node in configuration.nodes {
            add(node)
        }
        return ordered
    }

    /// The node a client joining `room` from `clientAddress` should use; nil if no node is
    /// healthy.
    public func placement(room: String, clientAddress: String, healthy: Set<String>) -> NodeEntry? {
        candidates(room: room, clientAddress: clientAddress, healthy: healthy).first
    }

    /// The node for `room` in `zone` (nil: no zone known); nil if no node is healthy.
    public func placement(room: String, zone: String?, healthy: Set<String>) -> NodeEntry? {
        candidates(room: room, zone: zone, healthy: healthy).first
    }
}
