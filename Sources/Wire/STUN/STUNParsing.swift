/// Why bytes are not a well-formed STUN message (RFC 8489 §6.3).
public enum STUNParseError: Error, Hashable, Sendable {
    /// Fewer than the 20 header bytes.
    case tooShort(byteCount: Int)
    /// The two top bits are not zero or the magic cookie is wrong: not STUN at all (RFC 8489 §6.3).
    case notSTUN
    /// The header's message length is not a multiple of 4 (RFC 8489 §5).
    case lengthNotMultipleOfFour(declared: Int)
    /// The header declares more attribute bytes than the buffer holds.
    case truncated(declared: Int, available: Int)
    /// An attribute (with its padding) runs past the declared message length.
    case attributeOverrunsMessage(STUNAttributeType)
    /// A comprehension-required attribute this module knows has an invalid value.
    case malformedAttribute(STUNAttributeType)
}

extension STUNMessage {
    /// Parses one STUN message. Bytes beyond the header's declared length are ignored.
    /// Never traps: every length is checked before it is used.
    public init(parsing bytes: [UInt8]) throws(STUNParseError) {
        guard bytes.count >= Self.headerLength else { throw .tooShort(byteCount: bytes.count) }
        // RFC 8489 §6.3: the first two bits are zero and the magic cookie is present.
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let cookie = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
        guard type & 0xC000 == 0, cookie == Self.magicCookie else { throw .notSTUN }
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        guard length % 4 == 0 else { throw .lengthNotMultipleOfFour(declared: length) }
        guard bytes.count - Self.headerLength >= length else {
            throw .truncated(declared: length, available: bytes.count - Self.headerLength)
        }
        let (method, messageClass) = STUNMessageType.decode(type)
        let transactionID = STUNTransactionID(bytes: bytes[8..<20])!
        let end = Self.headerLength + length

        var attributes: [STUNAttribute] = []
        var integrityOffset: Int?
        var fingerprintOffset: Int?
        var offset = Self.headerLength
        while offset < end {
            // A 4-byte TLV header always fits: `end - offset` is a positive multiple of 4.
            let attributeType = STUNAttributeType(rawValue: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
            let valueLength = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let valueStart = offset + 4
            let paddedLength = (valueLength + 3) & ~3
            guard valueStart + paddedLength <= end else { throw .attributeOverrunsMessage(attributeType) }
            let value = bytes[valueStart..<(valueStart + valueLength)]
            do {
                attributes.append(try STUNAttributeCoding.decode(type: attributeType, value: value,
                                                                 transactionID: transactionID))
            } catch {
                throw .malformedAttribute(attributeType)
            }
            if attributeType == .messageIntegrity, integrityOffset == nil { integrityOffset = offset }
            fingerprintOffset = attributeType == .fingerprint ? offset : nil
            offset = valueStart + paddedLength
        }

        self.init(method: method, messageClass: messageClass, transactionID: transactionID, attributes: attributes)
        self.parsed = ParsedBytes(bytes: bytes.count == end ? bytes : Array(bytes[..<end]),
                                  messageIntegrityOffset: integrityOffset,
                                  fingerprintOffset: fingerprintOffset)
    }

    /// Parses from a received datagram buffer (copies it; STUN is control-rate traffic).
    public init(parsing buffer: UnsafeRawBufferPointer) throws(STUNParseError) {
        try self.init(parsing: Array(buffer))
    }
}
