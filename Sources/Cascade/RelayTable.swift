/// Which publications one link relays, each way, and when they and the link fall idle: the
/// bookkeeping of a link's media side as a value with a manual clock, so the release rules are
/// tested without sockets or waiting.
///
/// - *Incoming* relays (the peer is the origin, or passes the publication on) are released once
///   no local subscriber has watched them for `idleReleaseNanos`, and the origin is told `stop`.
/// - A link that carried something and then carries nothing for `emptyLingerNanos` is *idle*: its
///   media transport closes (a subscriber who leaves and comes back soon does not rebuild it).
public struct RelayTable<Incoming, Outgoing> {
    public struct Key: Hashable, Sendable {
        public var room: String
        public var resource: String

        public init(room: String, resource: String) {
            self.room = room
            self.resource = resource
        }
    }

    public struct IncomingRelay {
        public let value: Incoming
        /// Since when no local subscriber has used it (nil while some do).
        var idleSinceNanos: UInt64?
    }

    /// What the clock found due.
    public struct Due {
        /// Incoming relays to release (removed from the table already).
        public var released: [(key: Key, value: Incoming)] = []
        /// The link just became idle (reported once per idle period).
        public var linkIdle = false
    }

    public static var idleReleaseNanos: UInt64 { 3_000_000_000 }
    public static var emptyLingerNanos: UInt64 { 2_000_000_000 }

    public private(set) var incoming: [Key: IncomingRelay] = [:]
    public private(set) var outgoing: [Key: Outgoing] = [:]
    /// Since when the table is empty after having carried something; nil while it carries.
    private var emptySinceNanos: UInt64?
    private var reportedIdle = false

    public init() {}

    public var isEmpty: Bool { incoming.isEmpty && outgoing.isEmpty }

    // MARK: - Changes

    /// Returns false when the key was there already (the value is replaced).
    @discardableResult
    public mutating func addIncoming(_ value: Incoming, key: Key, nowNanos: UInt64) -> Bool {
        carrying()
        return incoming.updateValue(IncomingRelay(value: value, idleSinceNanos: nowNanos), forKey: key) == nil
    }

    @discardableResult
    public mutating func addOutgoing(_ value: Outgoing, key: Key) -> Bool {
        carrying()
        return outgoing.updateValue(value, forKey: key) == nil
    }

    public mutating func removeIncoming(_ key: Key, nowNanos: UInt64) -> Incoming? {
        defer { emptied(nowNanos: nowNanos) }
        return incoming.removeValue(forKey: key)?.value
    }

    public mutating func removeOutgoing(_ key: Key, nowNanos: UInt64) -> Outgoing? {
        defer { emptied(nowNanos: nowNanos) }
        return outgoing.removeValue(forKey: key)
    }

    /// Empties the table (the link's channel closed) and returns what it held.
    public mutating func removeAll() -> (incoming: [(key: Key, value: Incoming)], outgoing: [(key: Key, value: Outgoing)]) {
        defer {
            incoming.removeAll()
            outgoing.removeAll()
            emptySinceNanos = nil
            reportedIdle = false
        }
        return (incoming.map { ($0.key, $0.value.value) }, outgoing.map { ($0.key, $0.value) })
    }

    private mutating func carrying() {
        emptySinceNanos = nil
        reportedIdle = false
    }

    private mutating func emptied(nowNanos: UInt64) {
        if isEmpty, emptySinceNanos == nil { emptySinceNanos = nowNanos }
    }

    // MARK: - Time

    /// Releases incoming relays that nobody watched for `idleReleaseNanos` (`isWatched` tells
    /// whether a local subscriber uses one now) and reports the link idle once it has been
    /// empty for `emptyLingerNanos`.
    public mutating func tick(nowNanos: UInt64, isWatched: (Key) -> Bool) -> Due {
        var due = Due()
        for (key, relay) in incoming {
            if isWatched(key) {
                if relay.idleSinceNanos != nil { incoming[key]?.idleSinceNanos = nil }
            } else if let since = relay.idleSinceNanos {
                if nowNanos &- since >= Self.idleReleaseNanos {
                    incoming.removeValue(forKey: key)
                    due.released.append((key, relay.value))
                }
            } else {
                incoming[key]?.idleSinceNanos = nowNanos
            }
        }
        if !due.released.isEmpty { emptied(nowNanos: nowNanos) }
        if let since = emptySinceNanos, !reportedIdle, nowNanos &- since >= Self.emptyLingerNanos {
            reportedIdle = true
            due.linkIdle = true
        }
        return due
    }
}
