/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
public struct RTPMap: Equatable, Hashable, Sendable {
    public var payloadType: UInt8
    /// As written (`opus`, `VP8`, webrtcbin writes `OPUS`): compare case-insensitively (RFC 4855 §3).
    public var encodingName: String
    public var clockRate: UInt32
    public var channels: Int?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count == 2 else { throw AttributeParseError("rtpmap needs '<pt> <name>/<clock>[/<channels>]'") }
        guard let pt = parts[0].decimal(UInt8.self), pt < 128 else {
            throw AttributeParseError("rtpmap payload type '\(parts[0])' is not 0-127")
        }
        let encoding = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard encoding.count == 2 || encoding.count == 3, !encoding[0].isEmpty else {
            throw AttributeParseError("rtpmap encoding '\(parts[1])' is not '<name>/<clock>[/<channels>]'")
        }
        guard let clock = encoding[1].decimal(UInt32.self), clock > 0 else {
            throw AttributeParseError("rtpmap clock rate '\(encoding[1])' is not a positive number")
        }
        var channels: Int?
        if encoding.count == 3 {
            guard let count = encoding[2].decimal(Int.self), count > 0, count < 256 else {
                throw AttributeParseError("rtpmap channels '\(encoding[2])' is not 1-255")
            }
            channels = count
        }
        self.init(payloadType: pt, encodingName: String(encoding[0]), clockRate: clock, channels: channels)
    }

    public var attribute: SDPAttribute {
        var value = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { value += "/\(channels)" }
        return SDPAttribute("rtpmap", value)
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15). For RTP the parameters are
/// usually `key=value` pairs separated by `;`; other forms (`0-15` for telephone-event, `111/111`
/// for RED) are kept as text.
public struct FormatParameters: Equatable, Hashable, Sendable {
    public var payloadType: UInt8
    /// The parameter text exactly as written.
    public var parameters: String

    public init(payloadType: UInt8, parameters: String) {
        self.payloadType = payloadType
        self.parameters = parameters
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let trimmed = value.drop(while: { $0 == " " })
        let format = trimmed.prefix(while: { $0 != " " })
        guard let pt = format.decimal(UInt8.self), pt < 128 else {
            throw AttributeParseError("fmtp format '\(format)' is not a payload type 0-127")
        }
        let rest = trimmed.dropFirst(format.count).drop(while: { $0 == " " })
        self.init(payloadType: pt, parameters: String(rest))
    }

    /// `key=value` pairs in order; keys lowercased (RFC 4855 §3: parameter names are
    /// case-insensitive). Items without `=` are skipped.
    public var pairs: [(key: String, value: String)] {
        parameters.split(separator: ";").compactMap { item in
            let trimmed = item.trimmingSpaces
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            return (String(trimmed[..<equals]).lowercased(), String(trimmed[trimmed.index(after: equals)...]))
        }
    }

    /// The value of `key` (case-insensitive), nil if absent.
    public func value(for key: String) -> String? {
        let key = key.lowercased()
        return pairs.first { $0.key == key }?.value
    }

    public var attribute: SDPAttribute { SDPAttribute("fmtp", "\(payloadType) \(parameters)") }
}

/// `a=rtcp-fb:<pt or *> <type> [<parameter>]` (RFC 4585 §4.2), e.g. `nack pli`, `ccm fir`,
/// `goog-remb`, `transport-cc`.
public struct RTCPFeedback: Equatable, Hashable, Sendable {
    /// nil for the `*` wildcard, which applies to every payload type of the m-section.
    public var payloadType: UInt8?
    /// Everything after the payload type, single-spaced: `nack`, `nack pli`, `ccm fir`.
    public var value: String

    public init(payloadType: UInt8?, value: String) {
        self.payloadType = payloadType
        self.value = value
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count >= 2 else { throw AttributeParseError("rtcp-fb needs '<pt> <type> [<param>]'") }
        if parts[0] == "*" {
            payloadType = nil
        } else {
            guard let pt = parts[0].decimal(UInt8.self), pt < 128 else {
                throw AttributeParseError("rtcp-fb payload type '\(parts[0])' is not 0-127 or '*'")
            }
            payloadType = pt
        }
        self.value = parts[1...].joined(separator: " ")
    }

    /// `nack` in `nack pli`.
    public var type: String { String(value.prefix(while: { $0 != " " })) }
    /// `pli` in `nack pli`, nil for a bare type.
    public var parameter: String? {
        guard let space = value.firstIndex(of: " ") else { return nil }
        return String(value[value.index(after: space)...])
    }

    public var attribute: SDPAttribute {
        SDPAttribute("rtcp-fb", "\(payloadType.map(String.init) ?? "*") \(value)")
    }
}

/// `a=extmap:<id>[/<direction>] <uri> [<extension attributes>]` (RFC 8285 §8).
public struct ExtensionMap: Equatable, Hashable, Sendable {
    /// 1–14 for one-byte headers, up to 255 with two-byte headers; 4096–4351 are for local
    /// negotiation only (RFC 8285 §5, §6).
    public var id: UInt16
    public var direction: MediaDirection?
    public var uri: String
    public var extensionAttributes: String?

    public init(id: UInt16, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count >= 2 else { throw AttributeParseError("extmap needs '<id>[/<direction>] <uri>'") }
        let idParts = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard idParts.count <= 2, let id = idParts[0].decimal(UInt16.self), (1...4351).contains(id) else {
            throw AttributeParseError("extmap id '\(parts[0])' is not 1-4351")
        }
        var direction: MediaDirection?
        if idParts.count == 2 {
            guard let parsed = MediaDirection(rawValue: String(idParts[1])) else {
                throw AttributeParseError("extmap direction '\(idParts[1])' is not sendrecv/sendonly/recvonly/inactive")
            }
            direction = parsed
        }
        self.init(
            id: id, direction: direction, uri: String(parts[1]),
            extensionAttributes: parts.count > 2 ? parts[2...].joined(separator: " ") : nil)
    }

    public var attribute: SDPAttribute {
        var value = String(id)
        if let direction { value += "/\(direction.rawValue)" }
        value += " \(uri)"
        if let extensionAttributes { value += " \(extensionAttributes)" }
        return SDPAttribute("extmap", value)
    }
}

/// Well-known RTP header extension URIs.
public enum HeaderExtensionURI {
    public static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"  // RFC 9143 §15
    public static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"  // RFC 6464
    public static let rtpStreamID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"  // RFC 8852
    public static let repairedRTPStreamID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
}

/// The media direction attributes (RFC 8866 §6.7; RFC 3264 §6.1 for how an answer mirrors them).
public enum MediaDirection: String, Equatable, Hashable, Sendable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction as seen from the other side.
    public var reversed: MediaDirection {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .sendrecv, .inactive: self
        }
    }

    public var attribute: SDPAttribute { SDPAttribute(rawValue) }
}

extension StringProtocol {
    var trimmingSpaces: SubSequence {
        let start = firstIndex(where: { $0 != " " && $0 != "\t" }) ?? endIndex
        let end = lastIndex(where: { $0 != " " && $0 != "\t" }).map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
