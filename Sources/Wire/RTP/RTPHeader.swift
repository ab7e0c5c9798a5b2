// RTP fixed header, CSRC list and header extension block (RFC 3550 §5.1, §5.3.1; RFC 8285 §4).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  |                           timestamp                           |
//  |           synchronization source (SSRC) identifier            |
//  |            contributing source (CSRC) identifiers ...         |
//  |      defined by profile       |           length              |  (if X)
//  |                        header extension ...                   |
//
// Parsing reads only from the caller's buffer and allocates nothing: it is on the forwarding
// hot path for every packet.

/// A parsed RTP header: plain values plus byte offsets into the packet it was parsed from.
public struct RTPHeader: Sendable, Equatable {
    /// Size of the fixed part of the header (RFC 3550 §5.1).
    public static let fixedHeaderLength = 12

    public var version: UInt8
    public var padding: Bool
    public var hasExtension: Bool
    public var csrcCount: UInt8
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Offset of the first payload byte in the packet.
    public var payloadOffset: Int
    /// Payload bytes, without the RTP padding (RFC 3550 §5.1 "P").
    public var payloadLength: Int
    /// Number of padding bytes at the end of the packet, including the count byte itself.
    public var paddingLength: Int
    /// The 16-bit "defined by profile" value of the extension block (0xBEDE one-byte form,
    /// 0x100x two-byte form, RFC 8285 §4.2/§4.3); 0 when there is no extension.
    public var extensionProfile: UInt16
    /// Byte range (in the packet) of the extension elements, after the 4-byte extension header.
    /// Empty when there is no extension.
    public var extensionRange: Range<Int>

    public init(version: UInt8 = 2, padding: Bool = false, hasExtension: Bool = false, csrcCount: UInt8 = 0,
                marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                payloadOffset: Int = 12, payloadLength: Int = 0, paddingLength: Int = 0,
                extensionProfile: UInt16 = 0, extensionRange: Range<Int> = 0..<0) {
        self.version = version
        self.padding = padding
        self.hasExtension = hasExtension
        self.csrcCount = csrcCount
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
        self.paddingLength = paddingLength
        self.extensionProfile = extensionProfile
        self.extensionRange = extensionRange
    }

    /// Byte range of the payload (padding removed).
    public var payloadRange: Range<Int> { payloadOffset..<(payloadOffset + payloadLength) }

    /// True if the extension block uses the one-byte element form (RFC 8285 §4.2).
    public var hasOneByteExtensions: Bool { hasExtension && extensionProfile == RTPHeader.oneByteExtensionProfile }
    /// True if the extension block uses the two-byte element form (RFC 8285 §4.3): 0x100 + 4 "appbits".
    public var hasTwoByteExtensions: Bool { hasExtension && (extensionProfile & 0xFFF0) == RTPHeader.twoByteExtensionProfile }

    public static let oneByteExtensionProfile: UInt16 = 0xBEDE
    public static let twoByteExtensionProfile: UInt16 = 0x1000

    /// Parses the header of an RTP packet. Returns nil for anything that is not a well-formed
    /// version-2 RTP packet (lengths are all checked; never traps).
    public static func parse(_ packet: UnsafeRawBufferPointer) -> RTPHeader? {
        let count = packet.count
        guard count >= fixedHeaderLength else { return nil }
        let b0 = packet[0]
        let b1 = packet[1]
        let version = b0 >> 6
        guard version == 2 else { return nil }
        let padding = (b0 & 0x20) != 0
        let hasExtension = (b0 & 0x10) != 0
        let csrcCount = b0 & 0x0F
        var offset = fixedHeaderLength + Int(csrcCount) * 4
        guard offset <= count else { return nil }

        var profile: UInt16 = 0
        var extensionRange = 0..<0
        if hasExtension {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words (excluding this word).
            guard offset + 4 <= count else { return nil }
            profile = packet.readUInt16(at: offset)
            let words = Int(packet.readUInt16(at: offset + 2))
            let start = offset + 4
            let end = start + words * 4
            guard end <= count else { return nil }
            extensionRange = start..<end
            offset = end
        }

        var paddingLength = 0
        if padding {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            guard count > offset else { return nil }
            paddingLength = Int(packet[count - 1])
            guard paddingLength >= 1, offset + paddingLength <= count else { return nil }
        }

        return RTPHeader(
            version: version, padding: padding, hasExtension: hasExtension, csrcCount: csrcCount,
            marker: (b1 & 0x80) != 0, payloadType: b1 & 0x7F,
            sequenceNumber: packet.readUInt16(at: 2), timestamp: packet.readUInt32(at: 4),
            ssrc: packet.readUInt32(at: 8),
            payloadOffset: offset, payloadLength: count - offset - paddingLength, paddingLength: paddingLength,
            extensionProfile: profile, extensionRange: extensionRange)
    }

    /// The CSRC at `index` (0..<csrcCount) in the packet this header was parsed from.
    public func csrc(at index: Int, in packet: UnsafeRawBufferPointer) -> UInt32? {
        guard index >= 0, index < Int(csrcCount) else { return nil }
        let offset = RTPHeader.fixedHeaderLength + index * 4
        guard offset + 4 <= packet.count else { return nil }
        return packet.readUInt32(at: offset)
    }

    /// Byte range of the value of the extension element with `id`, or nil if absent.
    /// Handles both the one-byte (0xBEDE, RFC 8285 §4.2) and two-byte (0x100x, §4.3) forms.
    public func extensionElement(id: UInt8, in packet: UnsafeRawBufferPointer) -> Range<Int>? {
        guard id != 0 else { return nil }
        var found: Range<Int>?
        forEachExtensionElement(in: packet) { elementID, range in
            if elementID == id {
                found = range
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body(id, valueRange)` for each extension element in order; `body` returns false to stop.
    /// Padding bytes (0) between elements are skipped; a malformed element ends the walk.
    public func forEachExtensionElement(in packet: UnsafeRawBufferPointer,
                                        _ body: (UInt8, Range<Int>) -> Bool) {
        guard hasExtension, extensionRange.upperBound <= packet.count else { return }
        var i = extensionRange.lowerBound
        let end = extensionRange.upperBound
        if hasOneByteExtensions {
            while i < end {
                let byte = packet[i]
                let id = byte >> 4
                // ID 0 is padding (RFC 8285 §4.2), one byte whatever its length bits say, as
                // libwebrtc reads it: an element of ID 0 would hide the one after it.
                if id == 0 { i += 1; continue }
                if id == 15 { return }                      // reserved: stop processing (§4.2)
                let length = Int(byte & 0x0F) + 1
                let start = i + 1
                guard start + length <= end else { return }
                if !body(id, start..<(start + length)) { return }
                i = start + length
            }
        } else if hasTwoByteExtensions {
            while i < end {
                let id = packet[i]
                if id == 0 { i += 1; continue }              // padding (RFC 8285 §4.3)
                guard i + 1 < end else { return }
                let length = Int(packet[i + 1])
                let start = i + 2
                guard start + length <= end else { return }
                if !body(id, start..<(start + length)) { return }
                i = start + length
            }
        }
    }
}

// MARK: - In-place rewriting (SFU forwarding path)

extension RTPHeader {
    /// Returns false if `packet` is too short to hold the fixed header.
    @discardableResult
    public static func setSequenceNumber(_ value: UInt16, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= fixedHeaderLength else { return false }
        packet.writeUInt16(value, at: 2)
        return true
    }

    @discardableResult
    public static func setTimestamp(_ value: UInt32, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= fixedHeaderLength else { return false }
        packet.writeUInt32(value, at: 4)
        return true
    }

    @discardableResult
    public static func setSSRC(_ value: UInt32, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= fixedHeaderLength else { return false }
        packet.writeUInt32(value, at: 8)
        return true
    }

    /// Sets the 7-bit payload type, keeping the marker bit.
    @discardableResult
    public static func setPayloadType(_ value: UInt8, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= fixedHeaderLength else { return false }
        packet[1] = (packet[1] & 0x80) | (value & 0x7F)
        return true
    }

    @discardableResult
    public static func setMarker(_ value: Bool, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= fixedHeaderLength else { return false }
        packet[1] = value ? (packet[1] | 0x80) : (packet[1] & 0x7F)
        return true
    }
}

// MARK: - Big-endian access helpers (no bounds checks beyond the buffer's own; callers validate)

extension UnsafeRawBufferPointer {
    @inline(__always)
    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    func readUInt24(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 16 | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2])
    }

    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func writeUInt16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    func writeUInt24(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 2] = UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    func writeUInt32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
