// RTP retransmission payload format (RFC 4588 §4): an RTX packet has its own SSRC, payload type
// and sequence space, the original timestamp and marker, and carries the original sequence
// number (OSN) in its first two payload bytes, followed by the original payload.
//
// Both directions work between two buffers or in place (`into` may be the same memory as the
// source, provided it is large enough): bytes are moved with memmove semantics.

public enum RTX {
    /// Builds the RTX packet for `original` (an RTP packet) into `out`. CSRCs and header
    /// extensions are kept as they are; the original's padding is dropped (RFC 4588 §4: the
    /// RTX packet is a new RTP packet). Returns the RTX packet length or nil.
    public static func build(from original: UnsafeRawBufferPointer, rtxSSRC: UInt32, rtxPayloadType: UInt8,
                             rtxSequenceNumber: UInt16, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let header = RTPHeader.parse(original), let outBase = out.baseAddress,
              let sourceBase = original.baseAddress else { return nil }
        let headerLength = header.payloadOffset
        let total = headerLength + 2 + header.payloadLength
        guard total <= out.count else { return nil }
        // Payload first (moves forward by 2 when in place), then the header.
        if header.payloadLength > 0 {
            (outBase + headerLength + 2).copyMemory(from: sourceBase + headerLength, byteCount: header.payloadLength)
        }
        if outBase != UnsafeMutableRawPointer(mutating: sourceBase) {
            outBase.copyMemory(from: sourceBase, byteCount: headerLength)
        }
        out[0] &= ~0x20  // no padding
        RTPHeader.setSSRC(rtxSSRC, in: out)
        RTPHeader.setPayloadType(rtxPayloadType, in: out)
        RTPHeader.setSequenceNumber(rtxSequenceNumber, in: out)
        out.writeUInt16(header.sequenceNumber, at: headerLength)
        return total
    }

    /// Recovers the original packet from an RTX packet into `out`: sequence number = OSN,
    /// SSRC and payload type restored, OSN removed, padding dropped. Returns the length or nil
    /// (nil also for an RTX padding-only packet, which has no OSN).
    public static func recover(from rtx: UnsafeRawBufferPointer, originalSSRC: UInt32, originalPayloadType: UInt8,
                               into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let header = RTPHeader.parse(rtx), header.payloadLength >= 2, let outBase = out.baseAddress,
              let sourceBase = rtx.baseAddress else { return nil }
        let headerLength = header.payloadOffset
        let payloadLength = header.payloadLength - 2
        let total = headerLength + payloadLength
        guard total <= out.count else { return nil }
        let osn = rtx.readUInt16(at: headerLength)
        if outBase != UnsafeMutableRawPointer(mutating: sourceBase) {
            outBase.copyMemory(from: sourceBase, byteCount: headerLength)
        }
        if payloadLength > 0 {
            (outBase + headerLength).copyMemory(from: sourceBase + headerLength + 2, byteCount: payloadLength)
        }
        out[0] &= ~0x20
        RTPHeader.setSSRC(originalSSRC, in: out)
        RTPHeader.setPayloadType(originalPayloadType, in: out)
        RTPHeader.setSequenceNumber(osn, in: out)
        return total
    }

    /// The original sequence number carried by an RTX packet, or nil.
    public static func originalSequenceNumber(of rtx: UnsafeRawBufferPointer) -> UInt16? {
        guard let header = RTPHeader.parse(rtx), header.payloadLength >= 2 else { return nil }
        return rtx.readUInt16(at: header.payloadOffset)
    }
}
