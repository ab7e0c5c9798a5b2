/// A STUN attribute type code (RFC 8489 §14, §18.3; ICE's in RFC 8445 §16.1).
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000A)
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let messageIntegritySHA256 = STUNAttributeType(rawValue: 0x001C)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802A)

    /// RFC 8489 §14: types 0x8000–0xFFFF may be ignored by an agent that does not understand them;
    /// 0x0000–0x7FFF must be understood or the request rejected (420).
    public var isComprehensionOptional: Bool { rawValue >= 0x8000 }

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: true) }
}

/// One STUN attribute, decoded where this module knows the type and kept as raw bytes otherwise.
///
/// Addresses are stored plainly: XOR-MAPPED-ADDRESS is XOR-ed with the magic cookie and the
/// message's transaction ID only on the wire (RFC 8489 §14.2).
public enum STUNAttribute: Hashable, Sendable {
    /// RFC 8489 §14.1.
    case mappedAddress(TransportAddress)
    /// RFC 8489 §14.2.
    case xorMappedAddress(TransportAddress)
    /// RFC 8489 §14.3. For ICE: "recipientUfrag:senderUfrag" (RFC 8445 §7.2.2).
    case username(String)
    /// RFC 8489 §14.5: the 20-byte HMAC-SHA1. Written by `STUNMessage.serialized(messageIntegrityKey:)`.
    case messageIntegrity([UInt8])
    /// RFC 8489 §14.7: CRC-32 of the message XOR 0x5354554E. Written by `serialized(fingerprint:)`.
    case fingerprint(UInt32)
    /// RFC 8489 §14.8.
    case errorCode(STUNErrorCode)
    /// RFC 8489 §14.9: the comprehension-required types a server did not understand (420 responses).
    case unknownAttributes([STUNAttributeType])
    /// RFC 8489 §14.14.
    case software(String)
    /// RFC 8445 §7.1.1: the priority a peer-reflexive candidate learned from this check would get.
    case priority(UInt32)
    /// RFC 8445 §7.1.2: the controlling agent nominates this pair.
    case useCandidate
    /// RFC 8445 §7.1.3: the sender believes it is controlling; the value is its tie-breaker.
    case iceControlling(tieBreaker: UInt64)
    /// RFC 8445 §7.1.3: the sender believes it is controlled; the value is its tie-breaker.
    case iceControlled(tieBreaker: UInt64)
    /// Any other attribute, or a comprehension-optional one whose value did not decode, kept byte
    /// for byte so a message re-serializes unchanged.
    case unknown(type: STUNAttributeType, value: [UInt8])

    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: return .mappedAddress
        case .xorMappedAddress: return .xorMappedAddress
        case .username: return .username
        case .messageIntegrity: return .messageIntegrity
        case .fingerprint: return .fingerprint
        case .errorCode: return .errorCode
        case .unknownAttributes: return .unknownAttributes
        case .software: return .software
        case .priority: return .priority
        case .useCandidate: return .useCandidate
        case .iceControlling: return .iceControlling
        case .iceControlled: return .iceControlled
        case .unknown(let type, _): return type
        }
    }
}

/// ERROR-CODE contents (RFC 8489 §14.8): a code 300...699 and a UTF-8 reason phrase.
public struct STUNErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let code: Int
    public let reason: String

    /// Codes outside 300...699 are clamped into that range so the class digit stays encodable.
    public init(code: Int, reason: String) {
        self.code = min(max(code, 300), 699)
        self.reason = reason
    }

    /// The standard code with its RFC reason phrase.
    public init(code: Int) {
        self.init(code: code, reason: STUNErrorCode.standardReason(for: code))
    }

    public static let tryAlternate = STUNErrorCode(code: 300)
    public static let badRequest = STUNErrorCode(code: 400)
    public static let unauthenticated = STUNErrorCode(code: 401)
    public static let unknownAttribute = STUNErrorCode(code: 420)
    public static let staleNonce = STUNErrorCode(code: 438)
    public static let roleConflict = STUNErrorCode(code: 487)
    public static let serverError = STUNErrorCode(code: 500)

    /// RFC 8489 §14.8 and RFC 8445 §16.1.
    public static func standardReason(for code: Int) -> String {
        switch code {
        case 300: return "Try Alternate"
        case 400: return "Bad Request"
        case 401: return "Unauthenticated"
        case 403: return "Forbidden"
        case 420: return "Unknown Attribute"
        case 438: return "Stale Nonce"
        case 487: return "Role Conflict"
        case 500: return "Server Error"
        default: return ""
        }
    }

    public var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }
}
