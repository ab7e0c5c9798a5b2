/// Value encodings of the attributes this module understands (RFC 8489 §14, RFC 8445 §7.1).
enum STUNAttributeCoding {
    struct Malformed: Error {}

    /// Decodes one attribute value. A known comprehension-optional attribute that fails to decode
    /// is returned as `.unknown` (it may be ignored anyway); a comprehension-required one throws.
    static func decode(type: STUNAttributeType, value: ArraySlice<UInt8>,
                       transactionID: STUNTransactionID) throws(Malformed) -> STUNAttribute {
        do {
            return try decodeKnown(type: type, value: value, transactionID: transactionID)
                ?? .unknown(type: type, value: Array(value))
        } catch {
            if type.isComprehensionOptional { return .unknown(type: type, value: Array(value)) }
            throw error
        }
    }

    private static func decodeKnown(type: STUNAttributeType, value: ArraySlice<UInt8>,
                                    transactionID: STUNTransactionID) throws(Malformed) -> STUNAttribute? {
        switch type {
        case .mappedAddress:
            return .mappedAddress(try decodeAddress(value, xorWith: nil))
        case .xorMappedAddress:
            return .xorMappedAddress(try decodeAddress(value, xorWith: transactionID))
        case .username:
            // RFC 8489 §14.3: fewer than 509 bytes of UTF-8.
            guard value.count < 509 else { throw Malformed() }
            return .username(try utf8(value))
        case .messageIntegrity:
            guard value.count == 20 else { throw Malformed() }
            return .messageIntegrity(Array(value))
        case .fingerprint:
            guard value.count == 4 else { throw Malformed() }
            return .fingerprint(UInt32(readBigEndian(value)))
        case .errorCode:
            // RFC 8489 §14.8: 21 reserved bits, 3-bit class (3...6), 8-bit number (0...99), reason.
            guard value.count >= 4, value.count <= 4 + 763 else { throw Malformed() }
            let start = value.startIndex
            let errorClass = Int(value[start + 2] & 0x07)
            let number = Int(value[start + 3])
            guard (3...6).contains(errorClass), number < 100 else { throw Malformed() }
            return .errorCode(STUNErrorCode(code: errorClass * 100 + number, reason: try utf8(value.dropFirst(4))))
        case .unknownAttributes:
            guard value.count % 2 == 0 else { throw Malformed() }
            var types: [STUNAttributeType] = []
            var index = value.startIndex
            while index < value.endIndex {
                types.append(STUNAttributeType(rawValue: UInt16(value[index]) << 8 | UInt16(value[index + 1])))
                index += 2
            }
            return .unknownAttributes(types)
        case .software:
            guard value.count < 764 else { throw Malformed() }
            return .software(try utf8(value))
        case .priority:
            guard value.count == 4 else { throw Malformed() }
            return .priority(UInt32(readBigEndian(value)))
        case .useCandidate:
            guard value.isEmpty else { throw Malformed() }
            return .useCandidate
        case .iceControlling:
            guard value.count == 8 else { throw Malformed() }
            return .iceControlling(tieBreaker: readBigEndian(value))
        case .iceControlled:
            guard value.count == 8 else { throw Malformed() }
            return .iceControlled(tieBreaker: readBigEndian(value))
        default:
            return nil
        }
    }

    /// The value bytes (no type/length header, no padding).
    static func encode(_ attribute: STUNAttribute, transactionID: STUNTransactionID, into out: inout [UInt8]) {
        switch attribute {
        case .mappedAddress(let address):
            encodeAddress(address, xorWith: nil, into: &out)
        case .xorMappedAddress(let address):
            encodeAddress(address, xorWith: transactionID, into: &out)
        case .username(let text), .software(let text):
            out.append(contentsOf: text.utf8)
        case .messageIntegrity(let mac):
            out.append(contentsOf: mac)
        case .fingerprint(let value), .priority(let value):
            appendBigEndian(UInt64(value), byteCount: 4, to: &out)
        case .errorCode(let error):
            out.append(contentsOf: [0, 0, UInt8(error.code / 100), UInt8(error.code % 100)])
            out.append(contentsOf: error.reason.utf8)
        case .unknownAttributes(let types):
            for type in types { appendBigEndian(UInt64(type.rawValue), byteCount: 2, to: &out) }
        case .useCandidate:
            break
        case .iceControlling(let tieBreaker), .iceControlled(let tieBreaker):
            appendBigEndian(tieBreaker, byteCount: 8, to: &out)
        case .unknown(_, let value):
            out.append(contentsOf: value)
        }
    }

    // MARK: Addresses (RFC 8489 §14.1, §14.2)

    private static let magicCookie: UInt32 = 0x2112_A442

    private static func decodeAddress(_ value: ArraySlice<UInt8>,
                                      xorWith transactionID: STUNTransactionID?) throws(Malformed) -> TransportAddress {
        guard value.count >= 4 else { throw Malformed() }
        let start = value.startIndex
        let family = value[start + 1]
        var port = UInt16(value[start + 2]) << 8 | UInt16(value[start + 3])
        if transactionID != nil { port ^= UInt16(magicCookie >> 16) }
        switch family {
        case 0x01:
            guard value.count == 8 else { throw Malformed() }
            var ip = UInt32(readBigEndian(value[(start + 4)...]))
            if transactionID != nil { ip ^= magicCookie }
            return TransportAddress(ipv4: ip, port: port)
        case 0x02:
            guard value.count == 20 else { throw Malformed() }
            var high = readBigEndian(value[(start + 4)..<(start + 12)])
            var low = readBigEndian(value[(start + 12)..<(start + 20)])
            if let transactionID {
                // The 128-bit key is magic cookie || transaction ID.
                high ^= UInt64(magicCookie) << 32 | UInt64(transactionID.high)
                low ^= transactionID.low
            }
            return TransportAddress(ipv6High: high, ipv6Low: low, port: port)
        default:
            throw Malformed()
        }
    }

    private static func encodeAddress(_ address: TransportAddress, xorWith transactionID: STUNTransactionID?,
                                      into out: inout [UInt8]) {
        let xored = transactionID != nil
        out.append(0)
        out.append(address.isIPv4 ? 0x01 : 0x02)
        appendBigEndian(UInt64(address.port ^ (xored ? UInt16(magicCookie >> 16) : 0)), byteCount: 2, to: &out)
        if let ipv4 = address.ipv4Value {
            appendBigEndian(UInt64(ipv4 ^ (xored ? magicCookie : 0)), byteCount: 4, to: &out)
        } else {
            var high = address.high
            var low = address.low
            if let transactionID {
                high ^= UInt64(magicCookie) << 32 | UInt64(transactionID.high)
                low ^= transactionID.low
            }
            appendBigEndian(high, byteCount: 8, to: &out)
            appendBigEndian(low, byteCount: 8, to: &out)
        }
    }

    // MARK: Helpers

    private static func utf8(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed() }
        return text
    }

    /// Reads up to 8 bytes as a big-endian integer.
    static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes.prefix(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    static func appendBigEndian(_ value: UInt64, byteCount: Int, to out: inout [UInt8]) {
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(index * 8)))
        }
    }
}
