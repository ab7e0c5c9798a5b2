/// Who may call what: every HTTP route of every Cascade listener and every signaling message, in
/// one place. The handlers enforce these rules (with `AccessToken.authorize`,
/// `authorizeService` and the ownership and host checks); this table says what each one
/// enforces, docs/security.md prints it, and tests fail when a route or a message exists that
/// the table does not name (`AuthorizationTableTests`), so none is added without deciding.
public enum AuthorizationTable {
    /// What a caller must hold.
    public enum Rule: Sendable, Equatable {
        /// Nobody is asked anything: health, static pages.
        case anyone
        /// Anyone, unless the server runs with `--require-token` (then the route refuses).
        case anyoneUnlessTokensRequired
        /// A token of the room with this grant.
        case roomGrant(Grants.Kind)
        /// The identity whose token created the session (with this grant), or a token of the
        /// room with the admin grant.
        case sessionOwner(Grants.Kind)
        /// A service token: every room (`*`) and the admin grant (other Cascade processes,
        /// operators, Prometheus).
        case service
        /// A node token of a node the deployment lets this one link with, in the WebSocket
        /// upgrade.
        case peerNode
        /// Only while the server is bound to loopback, with its generated development key pair.
        case developmentOnLoopback
        /// Signaling: any participant who joined (the socket's own session).
        case participant
        /// Signaling: a joined participant whose token has this grant.
        case participantWithGrant(Grants.Kind)
        /// Signaling: the participant that published the media in question.
        case publisher
        /// Signaling: the participant that subscribed (the subscription is its own).
        case subscriber
        /// Signaling: a host of the meeting (the first joiner, one made host, or an admin token).
        case host
        /// Signaling: before joining; the message carries the token (`join`).
        case tokenInMessage

        public var description: String {
            switch self {
            case .anyone: "anyone"
            case .anyoneUnlessTokensRequired: "anyone, unless `--require-token`"
            case .roomGrant(let grant): "a token of the room with `\(grant.rawValue)`"
            case .sessionOwner(let grant): "the identity that created the session (`\(grant.rawValue)`), or an `admin` token of the room"
            case .service: "a service token (room `*`, `admin`)"
            case .peerNode: "a node token of a node this one may link with"
            case .developmentOnLoopback: "anyone, only on loopback with a generated key pair; else 404"
            case .participant: "a joined participant"
            case .participantWithGrant(let grant): "a joined participant whose token has `\(grant.rawValue)`"
            case .publisher: "the participant who published it"
            case .subscriber: "the participant who subscribed"
            case .host: "a host of the meeting"
            case .tokenInMessage: "the token in the message (room, grants, expiry)"
            }
        }
    }

    public struct Route: Sendable, Equatable {
        public let method: String
        /// Hummingbird's form: `:name` captures one segment, `**` the rest.
        public let path: String
        public let rule: Rule

        public init(_ method: String, _ path: String, _ rule: Rule) {
            self.method = method
            self.path = path
            self.rule = rule
        }

        public var name: String { "\(method) \(path)" }
    }

    public static let routes: [Route] = [
        // WHIP (RFC 9725) and WHEP on every media node.
        Route("POST", "/whip/:room", .roomGrant(.publish)),
        Route("DELETE", "/whip/:room/:resource", .sessionOwner(.publish)),
        Route("PATCH", "/whip/:room/:resource", .sessionOwner(.publish)),
        Route("POST", "/whep/:room/:resource", .roomGrant(.subscribe)),
        Route("DELETE", "/whep/:room/:resource/:session", .sessionOwner(.subscribe)),
        Route("PATCH", "/whep/:room/:resource/:session", .sessionOwner(.subscribe)),
        Route("GET", "/v1/rooms/:room/publications", .roomGrant(.subscribe)),
        Route("GET", "/v1/dev/token", .developmentOnLoopback),
        Route("GET", "/metrics", .service),
        Route("GET", "/healthz", .anyone),
        Route("GET", "/try", .anyone),
        Route("GET", "/web/:asset", .anyone),
        // The media API, for a control process apart from its nodes.
        Route("POST", "/v1/media/rooms/:room/publications", .service),
        Route("GET", "/v1/media/rooms/:room/publications", .service),
        Route("DELETE", "/v1/media/rooms/:room/publications/:resource", .service),
        Route("POST", "/v1/media/rooms/:room/publications/:resource/forwarding", .service),
        Route("POST", "/v1/media/rooms/:room/subscriptions", .service),
        Route("DELETE", "/v1/media/rooms/:room/subscriptions/:session", .service),
        Route("POST", "/v1/media/rooms/:room/subscriptions/:session/paused", .service),
        Route("POST", "/v1/media/rooms/:room/sessions/:session/ice", .service),
        Route("GET", "/v1/media/rooms/:room/audio-levels", .service),
        Route("GET", "/v1/media/rooms/:room/stats", .service),
        // Cascade links and uplinks (WebSocket upgrades; a plain GET is refused).
        Route("GET", "/v1/cascade/link", .peerNode),
        Route("GET", "/v1/cascade/uplink", .peerNode),
        // Control: the meeting app, open join, signaling and zone selection.
        Route("POST", "/v1/rooms/:room/join", .anyoneUnlessTokensRequired),
        Route("GET", "/", .anyone),
        Route("GET", "/r/:room", .anyone),
        Route("GET", "/app/**", .anyone),
        Route("GET", "/rtc", .tokenInMessage),
        Route("GET", "/v1/nodes/select", .anyone),
    ]

    /// Signaling messages (docs/signaling.md), by `type`.
    public static let messages: [(type: String, rule: Rule)] = [
        ("join", .tokenInMessage),
        ("publish", .participantWithGrant(.publish)),
        ("unpublish", .publisher),
        ("subscribe", .participantWithGrant(.subscribe)),
        ("unsubscribe", .subscriber),
        ("pause", .subscriber),
        ("ice.restart", .participant),  // its own sessions
        ("mute", .publisher),
        ("chat", .participant),
        ("quality", .participant),
        ("ping", .participant),
        ("leave", .participant),
        ("host.mute", .host),
        ("host.remove", .host),
        ("host.lock", .host),
        ("host.end", .host),
    ]

    /// The two tables as docs/security.md prints them.
    public static var markdown: String {
        var lines = ["| HTTP request | who may |", "|---|---|"]
        lines += routes.map { "| `\($0.name)` | \($0.rule.description) |" }
        lines += ["", "| signaling message | who may |", "|---|---|"]
        lines += messages.map { "| `\($0.type)` | \($0.rule.description) |" }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func rule(method: String, path: String) -> Rule? {
        routes.first { $0.method == method && $0.path == path }?.rule
    }
}
