extension STUNMessage {
    /// Encodes the message.
    ///
    /// - Parameters:
    ///   - messageIntegrityKey: when given, any MESSAGE-INTEGRITY/FINGERPRINT in `attributes` are
    ///     dropped and a fresh MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) is appended. For ICE's
    ///     short-term credentials the key is the UTF-8 password (RFC 8489 §9.1.1).
    ///   - fingerprint: when true, any FINGERPRINT in `attributes` is dropped and a fresh one is
    ///     appended last (RFC 8489 §14.7).
    ///   - paddingByte: the value of padding bytes. RFC 8489 §14 lets senders choose any value;
    ///     receivers ignore them. RFC 5769's test vectors pad with 0x20.
    /// With neither option, attributes (including stored MESSAGE-INTEGRITY/FINGERPRINT values) are
    /// written as they are.
    public func serialized(messageIntegrityKey: [UInt8]? = nil, fingerprint: Bool = false,
                           paddingByte: UInt8 = 0) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerLength + 128)
        STUNAttributeCoding.appendBigEndian(UInt64(STUNMessageType.encode(method: method, messageClass: messageClass)),
                                            byteCount: 2, to: &out)
        out.append(contentsOf: [0, 0])  // length, set below
        STUNAttributeCoding.appendBigEndian(UInt64(Self.magicCookie), byteCount: 4, to: &out)
        transactionID.appendBytes(to: &out)

        for attribute in attributes {
            if messageIntegrityKey != nil, attribute.type == .messageIntegrity { continue }
            if messageIntegrityKey != nil || fingerprint, attribute.type == .fingerprint { continue }
            Self.appendAttribute(attribute, transactionID: transactionID, paddingByte: paddingByte, to: &out)
        }

        if let key = messageIntegrityKey {
            // RFC 8489 §14.5: the length field counts up to the end of MESSAGE-INTEGRITY while the
            // HMAC is computed over everything before the attribute.
            Self.setLength(out.count - Self.headerLength + 24, in: &out)
            let mac = STUNIntegrity.hmacSHA1(key: key, header: out[0..<Self.headerLength],
                                             body: out[Self.headerLength...])
            Self.appendAttribute(.messageIntegrity(mac), transactionID: transactionID, paddingByte: paddingByte, to: &out)
        }
        if fingerprint {
            // RFC 8489 §14.7: CRC-32 over everything before the attribute, with the length field
            // already counting the FINGERPRINT.
            Self.setLength(out.count - Self.headerLength + 8, in: &out)
            let crc = CRC32.checksum(out[...]) ^ STUNIntegrity.fingerprintXOR
            Self.appendAttribute(.fingerprint(crc), transactionID: transactionID, paddingByte: paddingByte, to: &out)
        }
        Self.setLength(out.count - Self.headerLength, in: &out)
        return out
    }

    private static func appendAttribute(_ attribute: STUNAttribute, transactionID: STUNTransactionID,
                                        paddingByte: UInt8, to out: inout [UInt8]) {
        let headerOffset = out.count
        STUNAttributeCoding.appendBigEndian(UInt64(attribute.type.rawValue), byteCount: 2, to: &out)
        out.append(contentsOf: [0, 0])
        STUNAttributeCoding.encode(attribute, transactionID: transactionID, into: &out)
        // Values longer than 65535 bytes cannot be expressed; truncate rather than emit a lie.
        var valueLength = out.count - headerOffset - 4
        if valueLength > 0xFFFC {
            out.removeLast(valueLength - 0xFFFC)
            valueLength = 0xFFFC
        }
        out[headerOffset + 2] = UInt8(valueLength >> 8)
        out[headerOffset + 3] = UInt8(valueLength & 0xFF)
        while out.count % 4 != 0 { out.append(paddingByte) }
    }

    private static func setLength(_ length: Int, in out: inout [UInt8]) {
        out[2] = UInt8(truncatingIfNeeded: length >> 8)
        out[3] = UInt8(truncatingIfNeeded: length)
    }
}
