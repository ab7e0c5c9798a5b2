import RTP

// Reception statistics for one incoming SSRC, producing the report block of an RR/SR
// (RFC 3550 §6.4.1), following the reference algorithms of Appendix A.1 (sequence validation),
// A.3 (expected/lost counts) and A.8 (interarrival jitter). Probation (A.1 MIN_SEQUENTIAL) is
// skipped: ICE and SRTP already authenticated the source, so the first packet starts the stream.

public struct ReceiveStatistics {
    /// A.1: a jump forward larger than this, or backwards larger than `maxMisorder`, is a restart
    /// candidate: the source must confirm it with the next packet in sequence.
    static let maxDropout: UInt16 = 3000
    static let maxMisorder: UInt16 = 100
    static let sequenceModulo: UInt32 = 1 << 16

    public let ssrc: UInt32
    /// RTP clock rate of the codec (Hz), needed to express arrival times in timestamp units.
    public let clockRate: UInt32

    // A.1 state.
    private var started = false
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = sequenceModulo + 1
    public private(set) var packetsReceived: UInt64 = 0
    public private(set) var bytesReceived: UInt64 = 0
    // A.3 state.
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    // A.8 state: jitter is kept scaled by 16 as in the reference code.
    private var lastTransit: UInt32 = 0
    private var hasTransit = false
    private var scaledJitter: UInt32 = 0
    // Last SR from this source (for LSR/DLSR).
    private var lastSenderReportCompactNTP: UInt32 = 0
    private var lastSenderReportArrival: UInt64?

    private var bitrate: BitrateWindow

    public init(ssrc: UInt32, clockRate: UInt32, bitrateWindowNanos: UInt64 = 1_000_000_000) {
        self.ssrc = ssrc
        self.clockRate = clockRate
        self.bitrate = BitrateWindow(windowNanos: bitrateWindowNanos)
    }

    /// Highest sequence number with the cycle count in the high 16 bits (§6.4.1).
    public var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Interarrival jitter in timestamp units (§6.4.1).
    public var jitter: UInt32 { scaledJitter >> 4 }

    /// Packets expected so far: extended highest − base + 1 (A.3).
    public var expectedPackets: Int64 {
        started ? Int64(extendedHighestSequence) - Int64(baseSequence) + 1 : 0
    }

    /// Cumulative packets lost (A.3); negative with duplicates.
    public var cumulativeLost: Int64 { expectedPackets - Int64(packetsReceived) }

    /// Feed every packet of this SSRC.
    /// - Parameters:
    ///   - packetBytes: size counted for the bitrate (whole packet as received).
    ///   - isRetransmission: true for packets resent after a NACK; they count as received but do
    ///     not update jitter, since their transit time says nothing about the network path.
    public mutating func received(sequenceNumber: UInt16, rtpTimestamp: UInt32, packetBytes: Int,
                                  nowNanos: UInt64, isRetransmission: Bool = false) {
        bitrate.add(bytes: packetBytes, nowNanos: nowNanos)
        bytesReceived += UInt64(max(packetBytes, 0))
        guard started else {
            started = true
            initSequence(sequenceNumber)
            packetsReceived = 1
            if !isRetransmission { updateJitter(rtpTimestamp: rtpTimestamp, nowNanos: nowNanos) }
            return
        }
        // A.1 update_seq.
        let delta = sequenceNumber &- maxSequence
        var inOrder = false
        if delta < Self.maxDropout {
            // In order, with a permissible gap.
            if sequenceNumber < maxSequence { cycles &+= Self.sequenceModulo }
            maxSequence = sequenceNumber
            inOrder = delta > 0
        } else if delta <= UInt16.max - Self.maxMisorder {
            // A very large jump. Two sequential packets after it mean the sender restarted.
            if UInt32(sequenceNumber) == badSequence {
                initSequence(sequenceNumber)
                hasTransit = false
            } else {
                badSequence = (UInt32(sequenceNumber) + 1) & (Self.sequenceModulo - 1)
                return
            }
        } else {
            // Duplicate or reordered packet: counts as received, no jitter update.
        }
        packetsReceived += 1
        if inOrder && !isRetransmission { updateJitter(rtpTimestamp: rtpTimestamp, nowNanos: nowNanos) }
    }

    private mutating func initSequence(_ sequenceNumber: UInt16) {
        baseSequence = UInt32(sequenceNumber)
        maxSequence = sequenceNumber
        badSequence = Self.sequenceModulo + 1
        cycles = 0
        packetsReceived = 0
        expectedPrior = 0
        receivedPrior = 0
    }

    /// Arrival time converted to the RTP clock, modulo 2^32 (only differences matter).
    private func arrivalInClockUnits(_ nowNanos: UInt64) -> UInt32 {
        let rate = UInt64(clockRate)
        let units = (nowNanos / 1_000_000_000) &* rate &+ (nowNanos % 1_000_000_000) * rate / 1_000_000_000
        return UInt32(truncatingIfNeeded: units)
    }

    // A.8: J += (|D| - J) / 16, in fixed point with J scaled by 16.
    private mutating func updateJitter(rtpTimestamp: UInt32, nowNanos: UInt64) {
        let transit = arrivalInClockUnits(nowNanos) &- rtpTimestamp
        defer {
            lastTransit = transit
            hasTransit = true
        }
        guard hasTransit else { return }
        let d = Int32(bitPattern: transit &- lastTransit).magnitude
        // jitter += d - ((jitter + 8) >> 4), in wrapping arithmetic as the reference code.
        scaledJitter = scaledJitter &+ d &- ((scaledJitter &+ 8) >> 4)
    }

    /// Record an SR from this source (§6.4.1 LSR/DLSR). `ntpTimestamp` is the SR's 64-bit NTP time.
    public mutating func senderReportReceived(ntpTimestamp: UInt64, nowNanos: UInt64) {
        lastSenderReportCompactNTP = NTPTimestamp(rawValue: ntpTimestamp).middle32
        lastSenderReportArrival = nowNanos
    }

    /// Builds the report block and starts a new reporting interval (fraction lost is per interval).
    public mutating func makeReportBlock(nowNanos: UInt64) -> ReportBlock {
        // A.3
        let expected = expectedPackets
        let expectedInterval = expected - expectedPrior
        expectedPrior = expected
        let receivedInterval = Int64(packetsReceived) - receivedPrior
        receivedPrior = Int64(packetsReceived)
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8
        if expectedInterval == 0 || lostInterval <= 0 {
            fraction = 0
        } else {
            fraction = UInt8(min((lostInterval << 8) / expectedInterval, 255))
        }
        let lost = min(max(cumulativeLost, Int64(ReportBlock.cumulativeLostRange.lowerBound)),
                       Int64(ReportBlock.cumulativeLostRange.upperBound))
        var delay: UInt32 = 0
        if let arrival = lastSenderReportArrival, nowNanos >= arrival {
            // DLSR in 1/65536 s.
            delay = NTPTimestamp.compactDuration(nanos: nowNanos - arrival)
        }
        return ReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(lost),
                           extendedHighestSequence: extendedHighestSequence, jitter: jitter,
                           lastSenderReport: lastSenderReportArrival == nil ? 0 : lastSenderReportCompactNTP,
                           delaySinceLastSenderReport: delay)
    }

    /// Received bit rate over the sliding window (for REMB and statistics).
    public mutating func receivedBitrateBps(nowNanos: UInt64) -> UInt64 {
        bitrate.bitrateBps(nowNanos: nowNanos)
    }
}
