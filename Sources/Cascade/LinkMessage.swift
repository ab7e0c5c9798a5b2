import Foundation

/// One JSON message on a link's control channel: a WebSocket from the dialing node to
/// `GET /v1/cascade/link?node=ID&worker=N&workers=W` on the accepting node, authenticated by a
/// node token (docs/architecture.md, *Cascading*).
///
/// Requests carry an `id`, answers carry `re` and the same `type` family. Flat and optional
/// fields keep the format readable in logs and easy to extend; `LinkChannel` checks which
/// fields a type needs.
public struct LinkMessage: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// dialer → acceptor: start the media transport (ICE credentials, DTLS fingerprint).
        case transportOffer = "transport.offer"
        /// acceptor → dialer: its credentials, fingerprint and candidate (the media port).
        case transportAnswer = "transport.answer"
        /// either way: "send me this publication over the link" (asked of its origin node).
        case pull
        /// answer to `pull`: the publication's tracks as they will arrive on the link.
        case tracks
        /// either way: the puller no longer needs the publication.
        case stop
        /// origin → puller: the publication ended.
        case ended
        /// answer: the request failed.
        case error
        /// answer to `stop`/`transport.*` and the like.
        case ok
    }

    public var type: Kind
    public var id: Int?
    public var re: Int?
    public var ice: LinkICEParameters?
    public var room: String?
    public var resource: String?
    public var publication: RelayDescription?
    public var reason: String?
    /// `pull`: the nodes the request has passed through, asker first. A node in it refuses the
    /// pull, so relaying through intermediaries can never loop.
    public var path: [String]?

    public init(_ type: Kind, id: Int? = nil, re: Int? = nil) {
        self.type = type
        self.id = id
        self.re = re
    }

    public static func error(_ reason: String, re: Int?) -> LinkMessage {
        var message = LinkMessage(.error, re: re)
        message.reason = reason
        return message
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ text: String) -> LinkMessage? {
        try? JSONDecoder().decode(LinkMessage.self, from: Data(text.utf8))
    }
}

/// ICE and DTLS parameters of one side of a link's media transport.
public struct LinkICEParameters: Codable, Sendable, Equatable {
    public var ufrag: String
    public var pwd: String
    /// SHA-256 certificate fingerprint, "AB:CD:…" (RFC 8122 §5).
    public var fingerprint: String
    /// "ip:port" host candidates of the accepting side (its media port); empty from the dialer.
    public var candidates: [String]

    public init(ufrag: String, pwd: String, fingerprint: String, candidates: [String]) {
        self.ufrag = ufrag
        self.pwd = pwd
        self.fingerprint = fingerprint
        self.candidates = candidates
    }
}

/// A publication as the origin sends it over a link: per track the codec, payload types and the
/// SSRCs the origin uses on this link (its subscriber side's rewritten stream).
public struct RelayDescription: Codable, Sendable, Equatable {
    public var identity: String
    public var tracks: [Track]

    public init(identity: String, tracks: [Track]) {
        self.identity = identity
        self.tracks = tracks
    }

    public struct Track: Codable, Sendable, Equatable {
        public var kind: String
        public var codec: String
        public var clockRate: UInt32
        public var channels: Int?
        public var payloadType: UInt8
        public var rtxPayloadType: UInt8?
        public var fmtp: String?
        public var ssrc: UInt32
        public var rtxSSRC: UInt32?
        public var mid: String

        public init(kind: String, codec: String, clockRate: UInt32, channels: Int?, payloadType: UInt8, rtxPayloadType: UInt8?, fmtp: String?, ssrc: UInt32, rtxSSRC: UInt32?, mid: String) {
            self.kind = kind
            self.codec = codec
            self.clockRate = clockRate
            self.channels = channels
            self.payloadType = payloadType
            self.rtxPayloadType = rtxPayloadType
            self.fmtp = fmtp
            self.ssrc = ssrc
            self.rtxSSRC = rtxSSRC
            self.mid = mid
        }
    }
}
