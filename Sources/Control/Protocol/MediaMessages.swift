import MediaAPI

// docs/signaling.md, *Media negotiation*: publish, unpublish, subscribe, unsubscribe, pause.

/// What a publication carries: the camera and microphone, or a screen share.
public enum MediaSource: String, Codable, Sendable, CaseIterable {
    case camera, screen
}

public struct PublishMessage: Decodable, Sendable, Equatable {
    public var source: MediaSource
    public var offer: String
    public var muted: MuteFlags?
}

public struct PublishedReply: ServerMessage {
    public let type = "published"
    public var re: RequestID?
    public var publicationId: String
    public var answer: String
}

public struct UnpublishMessage: Decodable, Sendable, Equatable {
    public var publicationId: String
}

public struct UnpublishedReply: ServerMessage {
    public let type = "unpublished"
    public var re: RequestID?
    public var publicationId: String
}

public struct SubscribeMessage: Decodable, Sendable, Equatable {
    public var publicationId: String
    public var offer: String
}

public struct SubscribedReply: ServerMessage {
    public let type = "subscribed"
    public var re: RequestID?
    public var subscriptionId: String
    public var publicationId: String
    public var answer: String
}

public struct UnsubscribeMessage: Decodable, Sendable, Equatable {
    public var subscriptionId: String
}

public struct UnsubscribedReply: ServerMessage {
    public let type = "unsubscribed"
    public var re: RequestID?
    public var subscriptionId: String
}

/// An ICE restart of one of the sender's own sessions (RFC 8445 §9): a publication or a
/// subscription, named by exactly one of the two ids, and the browser's new offer.
public struct ICERestartMessage: Decodable, Sendable, Equatable {
    public var publicationId: String?
    public var subscriptionId: String?
    public var offer: String
}

public struct ICERestartedReply: ServerMessage {
    public let type = "ice.restarted"
    public var re: RequestID?
    public var answer: String
}

public struct PauseMessage: Decodable, Sendable, Equatable {
    public var subscriptionId: String
    public var kind: TrackKind
    public var paused: Bool
}

public struct PausedReply: ServerMessage {
    public let type = "paused"
    public var re: RequestID?
    public var subscriptionId: String
    public var kind: TrackKind
    public var paused: Bool
}
