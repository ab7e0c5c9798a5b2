import Foundation
import MediaAPI

/// One JSON message on a link's control channel: a WebSocket from the dialing node to
/// `GET /v1/cascade/link?node=ID&worker=N&workers=W` on the accepting node, authenticated by a
/// node token (docs/architecture.md, *Cascading*).
///
/// Requests carry an `id`, answers carry `re` and the same `type` family. Flat and optional
/// fields keep the format readable in logs and easy to extend; `LinkChannel` checks which
/// fields a type needs.
struct LinkMessage: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
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

    var type: Kind
    var id: Int?
    var re: Int?
    var ice: LinkICEParameters?
    var room: String?
    var resource: String?
    var publication: RelayDescription?
    var reason: String?
    /// `pull`: the nodes the request has passed through, asker first. A node in it refuses the
    /// pull, so relaying through intermediaries can never loop.
    var path: [String]?

    init(_ type: Kind, id: Int? = nil, re: Int? = nil) {
        self.type = type
        self.id = id
        self.re = re
    }

    static func error(_ reason: String, re: Int?) -> LinkMessage {
        var message = LinkMessage(.error, re: re)
        message.reason = reason
        return message
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> LinkMessage? {
        try? JSONDecoder().decode(LinkMessage.self, from: Data(text.utf8))
    }
}

/// ICE and DTLS parameters of one side of a link's media transport.
struct LinkICEParameters: Codable, Sendable, Equatable {
    var ufrag: String
    var pwd: String
    /// SHA-256 certificate fingerprint, "AB:CD:…" (RFC 8122 §5).
    var fingerprint: String
    /// "ip:port" host candidates of the accepting side (its media port); empty from the dialer.
    var candidates: [String]
}

/// A publication as the origin sends it over a link: per track the codec, payload types and the
/// SSRCs the origin uses on this link (its subscriber side's rewritten stream).
struct RelayDescription: Codable, Sendable, Equatable {
    var identity: String
    var tracks: [Track]

    struct Track: Codable, Sendable, Equatable {
        var kind: String
        var codec: String
        var clockRate: UInt32
        var channels: Int?
        var payloadType: UInt8
        var rtxPayloadType: UInt8?
        var fmtp: String?
        var ssrc: UInt32
        var rtxSSRC: UInt32?
        var mid: String
    }
}
