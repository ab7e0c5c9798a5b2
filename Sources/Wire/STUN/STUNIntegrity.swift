import Crypto

/// MESSAGE-INTEGRITY and FINGERPRINT checks over the bytes that actually arrived.
enum STUNIntegrity {
    /// RFC 8489 §14.7: the CRC is XOR-ed with "STUN" so it differs from other protocols' CRCs.
    static let fingerprintXOR: UInt32 = 0x5354_554E

    /// HMAC-SHA1 over `header` followed by `body` (RFC 8489 §14.5). Two parts so a verifier can
    /// substitute an adjusted header without copying the message.
    static func hmacSHA1(key: [UInt8], header: ArraySlice<UInt8>, body: ArraySlice<UInt8>) -> [UInt8] {
        var hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: key))
        hmac.update(data: header)
        hmac.update(data: body)
        return hmac.finalize().withUnsafeBytes { Array($0) }
    }

    /// Compares without an early exit so timing does not reveal how many bytes matched.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: ArraySlice<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}

extension STUNMessage {
    /// RFC 8489 §14.7: true when the last attribute is a FINGERPRINT whose value is the CRC-32 of
    /// the preceding bytes XOR 0x5354554E. False for messages not obtained by parsing.
    public func validateFingerprint() -> Bool {
        guard let parsed, let offset = parsed.fingerprintOffset else { return false }
        let bytes = parsed.bytes
        guard bytes.count == offset + 8, bytes[offset + 2] == 0, bytes[offset + 3] == 4 else { return false }
        let stored = UInt32(STUNAttributeCoding.readBigEndian(bytes[(offset + 4)..<(offset + 8)]))
        return CRC32.checksum(bytes[..<offset]) ^ STUNIntegrity.fingerprintXOR == stored
    }

    /// RFC 8489 §14.5: true when the first MESSAGE-INTEGRITY holds the HMAC-SHA1, keyed with `key`,
    /// of the bytes before it, computed with the header length adjusted to end at the attribute
    /// (so a FINGERPRINT or anything else after it is excluded). For ICE the key is the password.
    /// False for messages not obtained by parsing.
    public func validateMessageIntegrity(key: [UInt8]) -> Bool {
        guard let parsed, let offset = parsed.messageIntegrityOffset else { return false }
        let bytes = parsed.bytes
        guard bytes.count >= offset + 24, bytes[offset + 2] == 0, bytes[offset + 3] == 20 else { return false }
        var header = Array(bytes[0..<Self.headerLength])
        let adjustedLength = offset + 24 - Self.headerLength
        header[2] = UInt8(adjustedLength >> 8)
        header[3] = UInt8(adjustedLength & 0xFF)
        let expected = STUNIntegrity.hmacSHA1(key: key, header: header[...], body: bytes[Self.headerLength..<offset])
        return STUNIntegrity.constantTimeEqual(expected, bytes[(offset + 4)..<(offset + 24)])
    }

    /// Convenience for short-term credentials: the key is the password's UTF-8 bytes (RFC 8489 §9.1.1).
    public func validateMessageIntegrity(password: String) -> Bool {
        validateMessageIntegrity(key: Array(password.utf8))
    }
}
