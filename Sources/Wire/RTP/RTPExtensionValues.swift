// Typed header extension values: reading from an element's bytes and writing in place.

/// RFC 6464 §3: one byte, V (voice activity) in the top bit, level in -dBov in the low 7 bits.
public struct AudioLevel: Sendable, Equatable {
    public var voiceActivity: Bool
    /// 0 = 0 dBov (loudest) ... 127 = -127 dBov (silence).
    public var level: UInt8

    public init(voiceActivity: Bool, level: UInt8) {
        self.voiceActivity = voiceActivity
        self.level = level & 0x7F
    }

    public init(byte: UInt8) {
        self.init(voiceActivity: byte & 0x80 != 0, level: byte & 0x7F)
    }

    public var byte: UInt8 { (voiceActivity ? 0x80 : 0) | (level & 0x7F) }
}

/// abs-send-time: 24-bit unsigned fixed point, 6 bits of seconds and 18 bits of fraction
/// (webrtc.org/experiments/rtp-hdrext/abs-send-time). It wraps every 64 s.
public enum AbsSendTime {
    /// Encodes a monotonic time in nanoseconds.
    public static func fromNanos(_ nanos: UInt64) -> UInt32 {
        let seconds = nanos / 1_000_000_000
        let fraction = nanos % 1_000_000_000
        // fraction < 1e9 so fraction << 18 < 2^48: no overflow.
        let fixed = ((seconds & 0x3F) << 18) | ((fraction << 18) / 1_000_000_000)
        return UInt32(truncatingIfNeeded: fixed) & 0xFF_FFFF
    }

    /// Decodes to nanoseconds within the 64-second wrap.
    public static func toNanos(_ value: UInt32) -> UInt64 {
        (UInt64(value & 0xFF_FFFF) * 1_000_000_000) >> 18
    }
}

/// Readers and in-place writers for the values of known extension elements. Each takes the
/// element's value range (from `RTPHeader.extensionElement(id:in:)`) and checks its length.
public enum RTPExtensionValue {
    public static func transportSequenceNumber(_ packet: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt16? {
        guard range.count >= 2, range.upperBound <= packet.count, range.lowerBound >= 0 else { return nil }
        return packet.readUInt16(at: range.lowerBound)
    }

    public static func absSendTime(_ packet: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt32? {
        guard range.count >= 3, range.upperBound <= packet.count, range.lowerBound >= 0 else { return nil }
        return packet.readUInt24(at: range.lowerBound)
    }

    public static func audioLevel(_ packet: UnsafeRawBufferPointer, _ range: Range<Int>) -> AudioLevel? {
        guard range.count >= 1, range.upperBound <= packet.count, range.lowerBound >= 0 else { return nil }
        return AudioLevel(byte: packet[range.lowerBound])
    }

    /// mid / rid / rrid (RFC 9143 §15, RFC 8852 §3): UTF-8 text. Allocates a String, so call
    /// it at control rate (e.g. until the SSRC is bound), or use `stringEquals` per packet.
    public static func string(_ packet: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        guard range.upperBound <= packet.count, range.lowerBound >= 0 else { return nil }
        // Some senders pad the value with NULs; stop at the first one.
        var end = range.lowerBound
        while end < range.upperBound, packet[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: packet[range.lowerBound..<end]), as: UTF8.self)
    }

    /// Compares a mid/rid value with `string` without allocating.
    public static func stringEquals(_ packet: UnsafeRawBufferPointer, _ range: Range<Int>, _ string: String) -> Bool {
        guard range.upperBound <= packet.count, range.lowerBound >= 0 else { return false }
        var i = range.lowerBound
        for byte in string.utf8 {
            guard i < range.upperBound, packet[i] == byte else { return false }
            i += 1
        }
        return i == range.upperBound || packet[i] == 0
    }

    @discardableResult
    public static func setTransportSequenceNumber(_ value: UInt16, in packet: UnsafeMutableRawBufferPointer,
                                                  _ range: Range<Int>) -> Bool {
        guard range.count >= 2, range.upperBound <= packet.count, range.lowerBound >= 0 else { return false }
        packet.writeUInt16(value, at: range.lowerBound)
        return true
    }

    @discardableResult
    public static func setAbsSendTime(_ value: UInt32, in packet: UnsafeMutableRawBufferPointer,
                                      _ range: Range<Int>) -> Bool {
        guard range.count >= 3, range.upperBound <= packet.count, range.lowerBound >= 0 else { return false }
        packet.writeUInt24(value & 0xFF_FFFF, at: range.lowerBound)
        return true
    }
}
