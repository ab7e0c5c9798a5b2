/// A zone: a set of client networks served by the same group of media nodes, usually one site
/// (an office, a cloud region).
public struct ZoneEntry: Sendable, Equatable {
    /// 1–32 characters of `a-z`, `0-9` and `-` (the same rule as node ids).
    public var name: String
    /// Client address ranges that belong to this zone. The longest matching prefix across all
    /// zones wins, so `10.88.1.0/24` in one zone beats `0.0.0.0/0` in another.
    public var cidrs: [CIDR]
    /// Zones to use, in this order, when this zone has no healthy node. Not transitive: the
    /// fallback zones' own fallbacks are not followed.
    public var fallback: [String]

    public init(name: String, cidrs: [CIDR] = [], fallback: [String] = []) {
        self.name = name
        self.cidrs = cidrs
        self.fallback = fallback
    }
}
