/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. `a=ssrc:4072017687 cname:mbGW+aeW`.
public struct SSRCAttribute: Equatable, Hashable, Sendable {
    public var ssrc: UInt32
    public var attribute: String
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let number = value.prefix(while: { $0 != " " })
        guard let ssrc = number.decimal(UInt32.self) else {
            throw AttributeParseError("ssrc '\(number)' is not a 32-bit number")
        }
        let rest = value.dropFirst(number.count).drop(while: { $0 == " " })
        guard !rest.isEmpty else { throw AttributeParseError("ssrc \(ssrc) has no attribute") }
        if let colon = rest.firstIndex(of: ":") {
            self.init(ssrc: ssrc, attribute: String(rest[..<colon]), value: String(rest[rest.index(after: colon)...]))
        } else {
            self.init(ssrc: ssrc, attribute: String(rest))
        }
    }

    public var sdpAttribute: SDPAttribute {
        var text = "\(ssrc) \(attribute)"
        if let value { text += ":\(value)" }
        return SDPAttribute("ssrc", text)
    }
}

/// `a=ssrc-group:<semantics> <ssrc> ...` (RFC 5576 §4.2): `FID <media> <rtx>` (RFC 4588 §8.1),
/// `SIM <low> <mid> <high>` (Chrome's legacy simulcast), `FEC-FR`.
public struct SSRCGroup: Equatable, Hashable, Sendable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count >= 2 else { throw AttributeParseError("ssrc-group needs '<semantics> <ssrc> ...'") }
        var ssrcs: [UInt32] = []
        for part in parts[1...] {
            guard let ssrc = part.decimal(UInt32.self) else {
                throw AttributeParseError("ssrc-group member '\(part)' is not a 32-bit number")
            }
            ssrcs.append(ssrc)
        }
        self.init(semantics: String(parts[0]), ssrcs: ssrcs)
    }

    public var attribute: SDPAttribute {
        SDPAttribute("ssrc-group", ([semantics] + ssrcs.map(String.init)).joined(separator: " "))
    }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2). Firefox may send `-` as the stream id
/// (no stream).
public struct MSID: Equatable, Hashable, Sendable {
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count == 1 || parts.count == 2 else {
            throw AttributeParseError("msid needs '<stream id> [<track id>]'")
        }
        self.init(streamID: String(parts[0]), trackID: parts.count == 2 ? String(parts[1]) : nil)
    }

    public var text: String { trackID.map { "\(streamID) \($0)" } ?? streamID }
    public var attribute: SDPAttribute { SDPAttribute("msid", text) }
}

/// `a=rid:<id> <send|recv> [<restrictions>]` (RFC 8851 §10).
public struct RIDDescription: Equatable, Hashable, Sendable {
    public enum Direction: String, Equatable, Hashable, Sendable {
        case send, recv
    }

    public var id: String
    public var direction: Direction
    /// e.g. `pt=96;max-width=1280`, kept as text.
    public var restrictions: String?

    public init(id: String, direction: Direction, restrictions: String? = nil) {
        self.id = id
        self.direction = direction
        self.restrictions = restrictions
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count >= 2, let direction = Direction(rawValue: String(parts[1])) else {
            throw AttributeParseError("rid needs '<id> send|recv [<restrictions>]'")
        }
        self.init(
            id: String(parts[0]), direction: direction,
            restrictions: parts.count > 2 ? parts[2...].joined(separator: " ") : nil)
    }

    public var attribute: SDPAttribute {
        SDPAttribute("rid", "\(id) \(direction.rawValue)" + (restrictions.map { " \($0)" } ?? ""))
    }
}

/// `a=simulcast:send <streams> [recv <streams>]` (RFC 8853 §5.1). Streams are `;`-separated, each a
/// `,`-separated list of alternative rids, `~` marks a paused one. Old Firefox wrote
/// `a=simulcast: send rid=hi;mid;lo`; the `rid=` prefix is accepted.
public struct Simulcast: Equatable, Hashable, Sendable {
    public struct Stream: Equatable, Hashable, Sendable {
        public var rid: String
        public var paused: Bool
        public init(rid: String, paused: Bool = false) {
            self.rid = rid
            self.paused = paused
        }
    }

    /// Streams in preference order (RFC 8853 §5.2); each entry lists alternatives.
    public var send: [[Stream]]
    public var receive: [[Stream]]

    public init(send: [[Stream]] = [], receive: [[Stream]] = []) {
        self.send = send
        self.receive = receive
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count == 2 || parts.count == 4 else {
            throw AttributeParseError("simulcast needs 'send|recv <streams> [send|recv <streams>]'")
        }
        var send: [[Stream]] = []
        var receive: [[Stream]] = []
        for index in stride(from: 0, to: parts.count, by: 2) {
            var list = parts[index + 1]
            if list.hasPrefix("rid=") { list = list.dropFirst(4) }
            let streams = list.split(separator: ";").map { group in
                group.split(separator: ",").map { rid in
                    rid.hasPrefix("~") ? Stream(rid: String(rid.dropFirst()), paused: true) : Stream(rid: String(rid))
                }
            }
            guard !streams.isEmpty, streams.allSatisfy({ !$0.isEmpty }) else {
                throw AttributeParseError("simulcast stream list '\(parts[index + 1])' is empty")
            }
            switch parts[index] {
            case "send": send = streams
            case "recv": receive = streams
            default: throw AttributeParseError("simulcast direction '\(parts[index])' is not send or recv")
            }
        }
        self.init(send: send, receive: receive)
    }
}
