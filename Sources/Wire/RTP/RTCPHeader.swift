// RTCP common header (RFC 3550 §6.4.1) and small big-endian helpers for RTCP's [UInt8] codecs.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |V=2|P|  RC/FMT |      PT       |             length            |
//
// length is the packet size in 32-bit words minus one, including header and padding.

public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200        // RFC 3550 §6.4.1
    public static let receiverReport: UInt8 = 201      // RFC 3550 §6.4.2
    public static let sourceDescription: UInt8 = 202   // RFC 3550 §6.5
    public static let goodbye: UInt8 = 203             // RFC 3550 §6.6
    public static let applicationDefined: UInt8 = 204  // RFC 3550 §6.7
    public static let transportFeedback: UInt8 = 205   // RTPFB, RFC 4585 §6.2
    public static let payloadFeedback: UInt8 = 206     // PSFB, RFC 4585 §6.3
}

/// Errors from RTCP parsing. Parsing never traps on bad input.
public enum RTCPError: Error, Equatable, Sendable {
    /// Fewer bytes than the structure needs.
    case truncated(needed: Int, available: Int)
    case badVersion(UInt8)
    /// The length field or padding count points outside the packet.
    case badLength
    /// A field has a value the format forbids (e.g. TWCC reserved status symbol).
    case malformed(String)
}

/// Builds the 4-byte common header for a packet of `byteCount` bytes (a multiple of 4).
@inline(__always)
func rtcpAppendHeader(_ out: inout [UInt8], count: UInt8, packetType: UInt8, byteCount: Int, padding: Bool = false) {
    out.append(0x80 | (padding ? 0x20 : 0) | (count & 0x1F))
    out.append(packetType)
    rtcpAppend16(&out, UInt16(truncatingIfNeeded: byteCount / 4 - 1))
}

@inline(__always)
func rtcpAppend16(_ out: inout [UInt8], _ value: UInt16) {
    out.append(UInt8(truncatingIfNeeded: value >> 8))
    out.append(UInt8(truncatingIfNeeded: value))
}

@inline(__always)
func rtcpAppend24(_ out: inout [UInt8], _ value: UInt32) {
    out.append(UInt8(truncatingIfNeeded: value >> 16))
    out.append(UInt8(truncatingIfNeeded: value >> 8))
    out.append(UInt8(truncatingIfNeeded: value))
}

@inline(__always)
func rtcpAppend32(_ out: inout [UInt8], _ value: UInt32) {
    out.append(UInt8(truncatingIfNeeded: value >> 24))
    out.append(UInt8(truncatingIfNeeded: value >> 16))
    out.append(UInt8(truncatingIfNeeded: value >> 8))
    out.append(UInt8(truncatingIfNeeded: value))
}

/// A bounds-checked big-endian reader over one RTCP packet's bytes.
struct RTCPReader {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - position }

    func require(_ n: Int) throws(RTCPError) {
        guard n >= 0, remaining >= n else { throw .truncated(needed: n, available: remaining) }
    }

    mutating func read8() throws(RTCPError) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func read16() throws(RTCPError) -> UInt16 {
        try require(2)
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func read24() throws(RTCPError) -> UInt32 {
        try require(3)
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    mutating func read32() throws(RTCPError) -> UInt32 {
        try require(4)
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    mutating func readBytes(_ n: Int) throws(RTCPError) -> ArraySlice<UInt8> {
        try require(n)
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    mutating func skip(_ n: Int) throws(RTCPError) {
        try require(n)
        position += n
    }
}
