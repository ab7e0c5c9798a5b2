import Auth
import MediaAPI

/// What a participant shares in a meeting — its camera and microphone, or its screen — as the
/// meeting records it: which source, what it carries, whether it is muted. The protocol calls it
/// a publication (`publicationId`); the media node's `SFU.Publication` forwards its packets.
struct SharedMedia: Sendable {
    let id: String
    let resourceID: ResourceID
    let source: MediaSource
    let kinds: [TrackKind]
    var muted: MuteFlags

    var summary: PublicationSummary {
        PublicationSummary(id: id, source: source, kinds: kinds, muted: muted)
    }
}

/// One participant's playback of what another shares (the protocol's subscription; its id is the
/// media node's playback session id, whose `SFU.Subscription` sends the packets).
struct Playback: Sendable {
    let id: String
    let publicationID: String
    /// The media node holding the session (the subscriber's node when it subscribed).
    let node: String
    var paused: Set<TrackKind> = []
}

/// A participant's place in a room. Its media side (publications, subscriptions) and its
/// signaling side (connection, resume token, reconnection deadline) are kept apart in fields
/// the room updates; the room is the only writer.
struct Participant: Sendable {
    let id: String
    let identity: String
    let name: String
    let grants: Grants
    var isHost: Bool
    var resumeToken: String
    /// The media node this participant publishes to and receives from.
    var mediaNode: String
    /// Where the participant's socket comes from: its zone when it must move to another node.
    let clientAddress: String?

    /// The socket's outbox; nil while the participant is reconnecting.
    var connection: Outbox?
    /// When a reconnecting participant's place expires.
    var reconnectDeadlineNanos: UInt64?
    /// When the participant's socket last delivered a message.
    var lastHeardNanos: UInt64 = 0
    /// The client pings (the web app does, every 5 s): its silence means its network is gone.
    var sendsPings = false
    /// Connected, but silent for longer than `Meeting.silenceNanos`: shown to others as reconnecting.
    var isSilent = false

    var publications: [SharedMedia] = []
    /// Sources with a publish in flight (one publication per source).
    var pendingSources: Set<MediaSource> = []
    var subscriptions: [Playback] = []

    var lastReport: QualityReport?
    var lastReportNanos: UInt64?
    var quality: ConnectionQuality?

    var isActive: Bool { connection != nil }
    /// Reachable as far as the room can tell: connected and not silent.
    var isReachable: Bool { isActive && !isSilent }

    func summary() -> ParticipantSummary {
        ParticipantSummary(id: id, name: name, identity: identity, host: isHost,
                           state: isReachable ? .active : .reconnecting,
                           publications: publications.map(\.summary))
    }

    func selfSummary() -> SelfSummary {
        SelfSummary(id: id, name: name, identity: identity, host: isHost,
                    publications: publications.map(\.summary),
                    subscriptions: subscriptions.map {
                        SubscriptionSummary(id: $0.id, publicationId: $0.publicationID,
                                            paused: TrackKind.allCases.filter($0.paused.contains))
                    })
    }
}

/// Random ids: `p_…` for participants, `r_…` for resume tokens (secret), `m_…` for chat.
enum ControlIDs {
    static func participant() -> String { "p_" + randomToken(length: 10) }
    static func resumeToken() -> String { "r_" + randomToken(length: 32) }
    static func chatMessage() -> String { "m_" + randomToken(length: 12) }
}
