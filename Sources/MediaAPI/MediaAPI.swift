import Foundation

/// The operations signaling (and WHIP/WHEP) perform on a media node: publish, unpublish, subscribe,
/// unsubscribe, by resource id. Called directly inside `cascade serve` and over HTTP between
/// processes, so signaling keeps no media state and media keeps no signaling state.
public protocol MediaAPI: Sendable {
    func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer
    func unpublish(room: String, resourceID: ResourceID) async throws(MediaError)
    func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer
    func unsubscribe(room: String, sessionID: String) async throws(MediaError)
    func publications(room: String) async throws(MediaError) -> [PublicationInfo]

    /// Stops (or resumes) forwarding one kind of a subscription to its subscriber: a participant
    /// choosing not to receive video it does not show. Resuming video asks for a key frame.
    func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError)
    /// Stops (or resumes) forwarding one kind of a publication to every subscriber: a host muting
    /// a participant, enforced by the media node rather than trusted to the client.
    func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError)
    /// Audio levels (RFC 6464 header extension) averaged since the previous call, per publication.
    func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport]
    /// Loss and round-trip time per session, from RTCP receiver reports and receive statistics.
    func sessionStats(room: String) async throws(MediaError) -> [SessionStats]
    /// A WHIP/WHEP PATCH (RFC 9725 §4.4) on a publish or playback session: with `If-Match: "*"`
    /// and new credentials an ICE restart — media moves to the client's new network path without
    /// publishing again — otherwise trickled candidates, which an ICE-lite node does not need.
    func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer
}

public enum TrackKind: String, Sendable, Codable, CaseIterable {
    case audio, video
}

public struct AudioLevelReport: Sendable, Codable, Equatable {
    public var resourceId: String
    /// 0 (silence) … 1 (full scale), linear amplitude from the RFC 6464 dBov values.
    public var level: Double
    /// Share of packets since the last report whose V bit said "voice".
    public var voiceActivity: Double

    public init(resourceId: String, level: Double, voiceActivity: Double) {
        self.resourceId = resourceId
        self.level = level
        self.voiceActivity = voiceActivity
    }
}

public struct SessionStats: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable { case publish, subscribe }
    public var sessionId: String
    public var role: Role
    public var connected: Bool
    /// Fraction of packets lost (0…1) over the last report interval.
    public var lossFraction: Double
    public var roundTripMillis: Double?

    public init(sessionId: String, role: Role, connected: Bool, lossFraction: Double, roundTripMillis: Double?) {
        self.sessionId = sessionId
        self.role = role
        self.connected = connected
        self.lossFraction = lossFraction
        self.roundTripMillis = roundTripMillis
    }
}

public struct PublishRequest: Sendable, Codable {
    public var room: String
    public var identity: String
    public var offerSDP: String

    public init(room: String, identity: String, offerSDP: String) {
        self.room = room
        self.identity = identity
        self.offerSDP = offerSDP
    }
}

public struct SubscribeRequest: Sendable, Codable {
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
public struct SessionAnswer: Sendable, Codable {
    public var sessionID: String
    public var answerSDP: String
    /// The session's entity tag (RFC 9725 §4.3.1: a PATCH names it in If-Match).
    public var etag: String?

    public init(sessionID: String, answerSDP: String, etag: String? = nil) {
        self.sessionID = sessionID
        self.answerSDP = answerSDP
        self.etag = etag
    }
}

/// A PATCH of a session's ICE (RFC 9725 §4.4): the `If-Match` value as sent (nil when absent),
/// and the body — a trickle-ice-sdpfrag (RFC 8840), or for the meeting app a whole new offer.
public struct ICEUpdateRequest: Sendable, Codable, Equatable {
    public var room: String
    public var sessionID: String
    public var ifMatch: String?
    public var fragment: String

    public init(room: String, sessionID: String, ifMatch: String?, fragment: String) {
        self.room = room
        self.sessionID = sessionID
        self.ifMatch = ifMatch
        self.fragment = fragment
    }

    /// `If-Match: "*"` asks for an ICE restart (RFC 9725 §4.4.2, as its example writes it; the
    /// bare HTTP wildcard `*` is taken too).
    public var isRestart: Bool {
        guard let value = ifMatch?.trimmingCharacters(in: .whitespaces) else { return false }
        return value == "*" || value == "\"*\""
    }
}

/// The outcome of a PATCH: after a restart the node's new ICE lines (an sdpfrag for WHIP/WHEP)
/// and the whole answer with them (for a browser's `setRemoteDescription`); after a trickle
/// nothing but the unchanged tag.
public struct ICEUpdateAnswer: Sendable, Codable, Equatable {
    public var etag: String
    public var fragment: String?
    public var answerSDP: String?

    public init(etag: String, fragment: String? = nil, answerSDP: String? = nil) {
        self.etag = etag
        self.fragment = fragment
        self.answerSDP = answerSDP
    }
}

public struct PublicationInfo: Sendable, Codable, Equatable {
    public struct Track: Sendable, Codable, Equatable {
        public var kind: String
        public var codec: String
        public var mid: String

        public init(kind: String, codec: String, mid: String) {
            self.kind = kind
            self.codec = codec
            self.mid = mid
        }
    }
    public var resourceId: String
    public var identity: String
    public var tracks: [Track]

    public init(resourceId: String, identity: String, tracks: [Track]) {
        self.resourceId = resourceId
        self.identity = identity
        self.tracks = tracks
    }
}

/// Why a media operation failed; the HTTP layer maps each case to a status code in one place.
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedOffer(String)
    case unacceptableOffer(String)
    case noCommonCodec(String)
    case notFound(String)
    /// The node is full (503 with `Retry-After`).
    case capacity(String)
    /// The caller (an identity or an address) holds as many sessions as it may (429 with
    /// `Retry-After`).
    case tooManySessions(String)
    /// A PATCH without `If-Match` (RFC 9725 §4.4: 428).
    case preconditionRequired(String)
    /// A PATCH whose `If-Match` names another version of the session (412).
    case preconditionFailed(String)
    case internalFailure(String)

    public var description: String {
        switch self {
        case .malformedOffer(let reason): "malformed SDP offer: \(reason)"
        case .unacceptableOffer(let reason): "unacceptable SDP offer: \(reason)"
        case .noCommonCodec(let reason): "no common codec: \(reason)"
        case .notFound(let what): "not found: \(what)"
        case .capacity(let reason): "over capacity: \(reason)"
        case .tooManySessions(let reason): "too many sessions: \(reason)"
        case .preconditionRequired(let reason): "precondition required: \(reason)"
        case .preconditionFailed(let reason): "precondition failed: \(reason)"
        case .internalFailure(let reason): "internal error: \(reason)"
        }
    }
}
