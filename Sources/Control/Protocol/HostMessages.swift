import MediaAPI

// docs/signaling.md, *Host controls*. Each is answered with `ok` (`OkReply`) or an error.

public struct HostMuteMessage: Decodable, Sendable, Equatable {
    public var participantId: String
    public var kind: TrackKind
}

public struct HostRemoveMessage: Decodable, Sendable, Equatable {
    public var participantId: String
    public var reason: String?
}

public struct HostLockMessage: Decodable, Sendable, Equatable {
    public var locked: Bool
}

public struct HostEndMessage: Decodable, Sendable, Equatable {
    public var reason: String?
}
