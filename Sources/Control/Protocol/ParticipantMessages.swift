import MediaAPI

// docs/signaling.md, *Participant messages*: mute, chat, quality, ping, leave.

public struct MuteMessage: Decodable, Sendable, Equatable {
    public var publicationId: String
    public var kind: TrackKind
    public var muted: Bool
}

public struct MutedReply: ServerMessage {
    public let type = "muted"
    public var re: RequestID?
    public var publicationId: String
    public var kind: TrackKind
    public var muted: Bool
}

public struct ChatRequest: Decodable, Sendable, Equatable {
    public var text: String
}

public struct ChatSentReply: ServerMessage {
    public let type = "chat.sent"
    public var re: RequestID?
    public var messageId: String
}

/// What a client measures with `RTCPeerConnection.getStats()`, sent every few seconds.
public struct QualityReport: Decodable, Sendable, Equatable {
    public var packetLoss: Double
    public var rttMs: Double?
    public var jitterMs: Double?
}

public struct PongReply: ServerMessage {
    public let type = "pong"
    public var re: RequestID?
}
