import MediaAPI

// docs/signaling.md, *Room state events*: what the server sends on its own (no `re`).

public struct ParticipantJoinedEvent: ServerMessage {
    public let type = "participant.joined"
    public var participant: ParticipantSummary
}

/// Why a participant left for good.
public enum LeaveReason: String, Codable, Sendable {
    case left, removed, timeout, ended
}

public struct ParticipantLeftEvent: ServerMessage {
    public let type = "participant.left"
    public var participantId: String
    public var reason: LeaveReason
}

public struct ParticipantReconnectingEvent: ServerMessage {
    public let type = "participant.reconnecting"
    public var participantId: String
}

public struct ParticipantReconnectedEvent: ServerMessage {
    public let type = "participant.reconnected"
    public var participantId: String
}

public struct TrackPublishedEvent: ServerMessage {
    public let type = "track.published"
    public var participantId: String
    public var publication: PublicationSummary
}

public struct TrackUnpublishedEvent: ServerMessage {
    public let type = "track.unpublished"
    public var participantId: String
    public var publicationId: String
}

public struct TrackMutedEvent: ServerMessage {
    public let type = "track.muted"
    public var participantId: String
    public var publicationId: String
    public var kind: TrackKind
    public var muted: Bool
    /// `"self"` or the id of the host who muted.
    public var by: String
}

public struct SpeakerLevel: Codable, Sendable, Equatable {
    public var participantId: String
    /// 0 (silence) … 1, rounded to two decimals.
    public var level: Double
}

public struct SpeakersEvent: ServerMessage {
    public let type = "speakers"
    /// Loudest first.
    public var speakers: [SpeakerLevel]
}

public enum ConnectionQuality: String, Codable, Sendable, Comparable {
    case excellent, good, poor, lost

    var rank: Int {
        switch self {
        case .excellent: 0
        case .good: 1
        case .poor: 2
        case .lost: 3
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

public struct QualityEvent: ServerMessage {
    public let type = "quality"
    public var participantId: String
    public var quality: ConnectionQuality
}

public struct ChatEvent: ServerMessage {
    public let type = "chat"
    public var from: String
    public var name: String
    public var text: String
    /// Server time, milliseconds since the Unix epoch.
    public var ts: Int64
    public var messageId: String
}

public struct RoomLockedEvent: ServerMessage {
    public let type = "room.locked"
    public var locked: Bool
    public var by: String
}

/// The room's hosts changed: the last host left for good, and the participant who has been in
/// the room longest became a host, so a meeting is never left without one.
public struct RoomHostsEvent: ServerMessage {
    public let type = "room.hosts"
    public var hostIds: [String]
    /// The participant who became a host.
    public var promoted: String
}

/// Your media node stopped: every publication and subscription you had is gone. Publish and
/// subscribe again (new peer connections); your place in the room is kept.
public struct MediaMovedEvent: ServerMessage {
    public let type = "media.moved"
    public var reason: String
}

public struct RoomEndedEvent: ServerMessage {
    public let type = "room.ended"
    public var reason: String
    public var by: String
}

public struct RemovedEvent: ServerMessage {
    public let type = "removed"
    public var reason: String
    public var by: String
}
