/// The operations signaling (and WHIP/WHEP) perform on a media node: publish, unpublish, subscribe,
/// unsubscribe, by resource id. Called directly inside `cascade serve` and over HTTP between
/// processes, so signaling keeps no media state and media keeps no signaling state.
public protocol MediaAPI: Sendable {
    func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer
    func unpublish(room: String, resourceID: ResourceID) async throws(MediaError)
    func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer
    func unsubscribe(room: String, sessionID: String) async throws(MediaError)
    func publications(room: String) async -> [PublicationInfo]
}

public struct PublishRequest: Sendable {
    public var room: String
    public var identity: String
    public var offerSDP: String

    public init(room: String, identity: String, offerSDP: String) {
        self.room = room
        self.identity = identity
        self.offerSDP = offerSDP
    }
}

public struct SubscribeRequest: Sendable {
    public var room: String
    public var identity: String
    public var resourceID: ResourceID
    public var offerSDP: String

    public init(room: String, identity: String, resourceID: ResourceID, offerSDP: String) {
        self.room = room
        self.identity = identity
        self.resourceID = resourceID
        self.offerSDP = offerSDP
    }
}

/// The answer to a publish or subscribe: the SDP answer and the id of the session it created
/// (for a publish, the session id is the resource id).
public struct SessionAnswer: Sendable {
    public var sessionID: String
    public var answerSDP: String

    public init(sessionID: String, answerSDP: String) {
        self.sessionID = sessionID
        self.answerSDP = answerSDP
    }
}

public struct PublicationInfo: Sendable, Codable, Equatable {
    public struct Track: Sendable, Codable, Equatable {
        public var kind: String
        public var codec: String
        public var mid: String
    }
    public var resourceId: String
    public var identity: String
    public var tracks: [Track]
}

/// Why a media operation failed; the HTTP layer maps each case to a status code in one place.
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedOffer(String)
    case unacceptableOffer(String)
    case noCommonCodec(String)
    case notFound(String)
    case capacity(String)
    case internalFailure(String)

    public var description: String {
        switch self {
        case .malformedOffer(let reason): "malformed SDP offer: \(reason)"
        case .unacceptableOffer(let reason): "unacceptable SDP offer: \(reason)"
        case .noCommonCodec(let reason): "no common codec: \(reason)"
        case .notFound(let what): "not found: \(what)"
        case .capacity(let reason): "over capacity: \(reason)"
        case .internalFailure(let reason): "internal error: \(reason)"
        }
    }
}
