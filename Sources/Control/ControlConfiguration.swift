import Auth
import HTTPGuard

/// How the control plane (signaling, rooms, the meeting web app) behaves. Defaults are those of
/// `cascade serve` and docs/signaling.md.
public struct ControlConfiguration: Sendable {
    /// When true, `POST /v1/rooms/{room}/join` is off: participants need a token minted with the
    /// API secret (`cascade token`).
    public var requireToken = false
    /// Time and size bounds of HTTP requests (also the open-join body's read timeout).
    public var httpLimits = HTTPLimits()
    /// Participants in one room, counting those reconnecting (`room_full`).
    public var maxParticipants = 50
    /// Rooms on this server (`too_many_rooms`).
    public var maxRooms = 100
    /// TURN server URLs handed out in `joined` (e.g. `turn:203.0.113.5:3478?transport=udp`).
    public var turnURLs: [String] = []
    /// The TURN REST shared secret (coturn `static-auth-secret`); no TURN without it.
    public var turnSecret: String?
    /// How long TURN credentials are valid.
    public var turnCredentialLifetimeSeconds: Int64 = 24 * 3600
    /// How long a participant whose socket dropped keeps its place.
    public var reconnectGraceSeconds: Double = 30
    /// Largest text frame accepted (`message_too_large`).
    public var maxMessageBytes = 64 * 1024
    /// Largest WebSocket frame read at all; larger ones close the socket (1009) before being read.
    public var maxFrameBytes = 1024 * 1024
    /// Message rate: `messagesPerSecond` on average, bursts of `messageBurst` (`rate_limited`).
    public var messagesPerSecond: Double = 50
    public var messageBurst = 100
    /// Frames queued for one socket before the server gives up on it as too slow.
    public var outboundQueueLimit = 512
    /// A socket that has not joined this long after it opened is closed (1008).
    public var joinTimeoutSeconds: Double = 10
    /// How long the name of an ended room refuses joins (`room_ended`).
    public var endedRoomRetentionSeconds: Double = 300
    /// How often active speakers are computed while a room has audio (docs: at most 4×/s).
    public var speakerIntervalMillis = 250
    /// How often the media node's loss and RTT measurements are read for `quality`.
    public var qualityIntervalMillis = 2000
    /// Lifetime of tokens minted by `POST /v1/rooms/{room}/join`.
    public var openJoinTokenLifetimeSeconds: Double = 24 * 3600

    public init() {}

    public var turn: TURNCredentials? {
        guard let turnSecret, !turnSecret.isEmpty, !turnURLs.isEmpty else { return nil }
        return TURNCredentials(urls: turnURLs, secret: turnSecret, lifetimeSeconds: turnCredentialLifetimeSeconds)
    }
}
