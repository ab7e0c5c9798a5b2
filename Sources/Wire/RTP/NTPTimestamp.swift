// NTP timestamps as used in SR (RFC 3550 §4): 64-bit fixed point, seconds since 1900-01-01 in
// the high 32 bits and the fraction in the low 32; LSR/DLSR use the middle 32 bits (16.16).

public struct NTPTimestamp: Sendable, Equatable, Hashable {
    /// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
    public static let unixEpochOffsetSeconds: UInt64 = 2_208_988_800

    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// From wall-clock nanoseconds since the Unix epoch. (The state machines take time in; the
    /// caller supplies the wall clock once per SR.)
    public init(unixNanos: UInt64) {
        let seconds = unixNanos / 1_000_000_000 + NTPTimestamp.unixEpochOffsetSeconds
        let nanos = unixNanos % 1_000_000_000
        let fraction = (nanos << 32) / 1_000_000_000   // nanos < 2^30, so no overflow
        self.rawValue = (seconds << 32) | fraction
    }

    public var seconds: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
    public var fraction: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    /// Nanoseconds since the Unix epoch (0 for times before it).
    public var unixNanos: UInt64 {
        let seconds = UInt64(self.seconds)
        guard seconds >= NTPTimestamp.unixEpochOffsetSeconds else { return 0 }
        let fractionNanos = (UInt64(fraction) * 1_000_000_000) >> 32
        return (seconds - NTPTimestamp.unixEpochOffsetSeconds) * 1_000_000_000 + fractionNanos
    }

    /// The middle 32 bits, as echoed in a report block's LSR field (RFC 3550 §6.4.1).
    public var middle32: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 16) }

    /// A duration in the 16.16 "compact" units of DLSR (1/65536 s), saturating.
    public static func compactDuration(nanos: UInt64) -> UInt32 {
        let units = (nanos / 1_000) * 65_536 / 1_000_000  // via micros to stay far from overflow
        return units > UInt64(UInt32.max) ? UInt32.max : UInt32(units)
    }

    public static func nanos(fromCompact value: UInt32) -> UInt64 {
        (UInt64(value) * 1_000_000_000) >> 16
    }

    /// Round-trip time from a report block (RFC 3550 §6.4.1): arrival (as compact NTP) − LSR −
    /// DLSR. Returns nil when there was no SR (LSR = 0) or the result is negative.
    public static func roundTripNanos(arrival: NTPTimestamp, lastSenderReport: UInt32,
                                      delaySinceLastSenderReport: UInt32) -> UInt64? {
        guard lastSenderReport != 0 else { return nil }
        let rtt = Int64(arrival.middle32 &- lastSenderReport) - Int64(delaySinceLastSenderReport)
        guard rtt >= 0, arrival.middle32 &- lastSenderReport < 0x8000_0000 else { return nil }
        return nanos(fromCompact: UInt32(rtt))
    }
}
