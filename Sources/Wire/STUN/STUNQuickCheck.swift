/// Cheap looks at a datagram before (or instead of) full parsing, for the receive path's demux.
extension STUNMessage {
    /// True when the buffer has a STUN header: ≥ 20 bytes, top two bits zero, the magic cookie,
    /// and a length that is a multiple of 4 and fits (RFC 8489 §6.3, RFC 7983 §7).
    public static func looksLikeSTUN(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard buffer.count >= headerLength, buffer[0] & 0xC0 == 0,
              buffer[4] == 0x21, buffer[5] == 0x12, buffer[6] == 0xA4, buffer[7] == 0x42 else { return false }
        let length = Int(buffer[2]) << 8 | Int(buffer[3])
        return length % 4 == 0 && length <= buffer.count - headerLength
    }

    public static func looksLikeSTUN(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { looksLikeSTUN($0) }
    }

    /// The USERNAME of a Binding request, found by walking the attribute headers without decoding
    /// anything else; nil for anything that is not a well-framed Binding request with a valid
    /// UTF-8 USERNAME. Used to route a check to its ICE agent before authenticating it (the agent
    /// then verifies MESSAGE-INTEGRITY).
    public static func bindingRequestUsername(in buffer: UnsafeRawBufferPointer) -> String? {
        guard looksLikeSTUN(buffer), buffer[0] == 0x00, buffer[1] == 0x01 else { return nil }
        let end = headerLength + (Int(buffer[2]) << 8 | Int(buffer[3]))
        var offset = headerLength
        while offset + 4 <= end {
            let type = UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
            let length = Int(buffer[offset + 2]) << 8 | Int(buffer[offset + 3])
            let valueStart = offset + 4
            guard valueStart + length <= end else { return nil }
            if type == STUNAttributeType.username.rawValue {
                return String(validating: UnsafeRawBufferPointer(rebasing: buffer[valueStart..<(valueStart + length)]),
                              as: UTF8.self)
            }
            // Nothing after MESSAGE-INTEGRITY is authenticated; a USERNAME there is not one.
            if type == STUNAttributeType.messageIntegrity.rawValue { return nil }
            offset = valueStart + ((length + 3) & ~3)
        }
        return nil
    }

    public static func bindingRequestUsername(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { bindingRequestUsername(in: $0) }
    }
}
