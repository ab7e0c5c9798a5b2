import MediaAPI

// docs/signaling.md, *Connecting*: `join` and `joined`.

/// `join`, the first message on a socket.
public struct JoinMessage: Decodable, Sendable, Equatable {
    public struct Resume: Decodable, Sendable, Equatable {
        public var participantId: String
        public var resumeToken: String
    }

    public var `protocol`: Int
    public var token: String
    public var name: String?
    public var resume: Resume?

    public init(protocol: Int, token: String, name: String? = nil, resume: Resume? = nil) {
        self.protocol = `protocol`
        self.token = token
        self.name = name
        self.resume = resume
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, token, name, resume
    }

    /// `protocol` is read as a number first: JSONDecoder reports `1.5` for an Int without naming
    /// the field.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Double.self, forKey: .protocol)
        guard version.rounded() == version, abs(version) < 1e9 else {
            throw DecodingError.dataCorruptedError(forKey: .protocol, in: container, debugDescription: "not an integer")
        }
        self.protocol = Int(version)
        token = try container.decode(String.self, forKey: .token)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        resume = try container.decodeIfPresent(Resume.self, forKey: .resume)
    }
}

/// One entry of `iceServers`, ready for `new RTCPeerConnection({iceServers})`.
public struct ICEServer: Codable, Sendable, Equatable {
    public var urls: [String]
    public var username: String
    public var credential: String

    public init(urls: [String], username: String, credential: String) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}

/// Whether each kind of a publication is muted.
public struct MuteFlags: Codable, Sendable, Equatable {
    public var audio: Bool
    public var video: Bool

    public init(audio: Bool = false, video: Bool = false) {
        self.audio = audio
        self.video = video
    }

    /// Either field may be left out by a client; it then means "not muted".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        audio = try container.decodeIfPresent(Bool.self, forKey: .audio) ?? false
        video = try container.decodeIfPresent(Bool.self, forKey: .video) ?? false
    }

    subscript(kind: TrackKind) -> Bool {
        get { kind == .audio ? audio : video }
        set { if kind == .audio { audio = newValue } else { video = newValue } }
    }
}

/// A publication as others see it.
public struct PublicationSummary: Codable, Sendable, Equatable {
    public var id: String
    public var source: MediaSource
    public var kinds: [TrackKind]
    public var muted: MuteFlags
}

/// A participant as others see it, in `joined` and `participant.joined`.
public struct ParticipantSummary: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case active, reconnecting }
    public var id: String
    public var name: String
    public var identity: String
    public var host: Bool
    public var state: State
    public var publications: [PublicationSummary]
}

/// One of the participant's own subscriptions, in `joined.self` (what survived a reconnection).
public struct SubscriptionSummary: Codable, Sendable, Equatable {
    public var id: String
    public var publicationId: String
    public var paused: [TrackKind]
}

/// The participant itself in `joined`: after a resume, which of its publications and
/// subscriptions the server still holds.
public struct SelfSummary: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var identity: String
    public var host: Bool
    public var publications: [PublicationSummary]
    public var subscriptions: [SubscriptionSummary]
}

public struct RoomSnapshot: Codable, Sendable, Equatable {
    public var name: String
    public var locked: Bool
    public var hostIds: [String]
    /// Everyone else in the room.
    public var participants: [ParticipantSummary]
}

public struct JoinLimits: Codable, Sendable, Equatable {
    public var maxMessageBytes: Int
    public var maxParticipants: Int
}

/// `joined`: the reply to `join`.
public struct JoinedReply: ServerMessage {
    public let type = "joined"
    public var re: RequestID?
    public var participantId: String
    public var resumeToken: String
    /// True when `join` carried `resume` and the participant kept its place.
    public var resumed: Bool
    public var room: RoomSnapshot
    /// Sent as `"self"`.
    public var you: SelfSummary
    public var iceServers: [ICEServer]
    public var limits: JoinLimits

    enum CodingKeys: String, CodingKey {
        case type, re, participantId, resumeToken, resumed, room
        case you = "self"
        case iceServers, limits
    }
}
