import RTP

// Statistics for one outgoing SSRC: the counters and timestamp mapping of a Sender Report
// (RFC 3550 §6.4.1), and the round-trip time derived from the report blocks the receiver
// sends back ("round-trip propagation delay", §6.4.1, Figure 2).

public struct SendStatistics {
    public let ssrc: UInt32
    public let clockRate: UInt32

    /// Packets sent (§6.4.1 "sender's packet count"), wrapping at 2^32 like the field.
    public private(set) var packetCount: UInt32 = 0
    /// Payload octets sent, excluding header and padding (§6.4.1 "sender's octet count").
    public private(set) var octetCount: UInt32 = 0
    /// RTP timestamp of the most recently sent packet and when it was sent.
    public private(set) var lastRTPTimestamp: UInt32 = 0
    public private(set) var lastSendNanos: UInt64?

    /// Latest RTT measured from a report block, and what that block said.
    public private(set) var roundTripTimeNanos: UInt64?
    public private(set) var remoteFractionLost: UInt8 = 0
    public private(set) var remoteCumulativeLost: Int32 = 0
    public private(set) var remoteJitter: UInt32 = 0

    /// The last few SRs sent: compact NTP (middle 32 bits) → local send time. A report block's
    /// LSR names one of them; RTT = now − sendTime − DLSR, all in our own monotonic clock.
    private static let rememberedReports = 8
    private var sentReportNTP: [UInt32]
    private var sentReportAt: [UInt64]
    private var nextReportSlot = 0

    public init(ssrc: UInt32, clockRate: UInt32) {
        self.ssrc = ssrc
        self.clockRate = clockRate
        sentReportNTP = Array(repeating: 0, count: Self.rememberedReports)
        sentReportAt = Array(repeating: 0, count: Self.rememberedReports)
    }

    /// Call for every RTP packet sent on this SSRC (not for RTX, which has its own SSRC).
    public mutating func sent(rtpTimestamp: UInt32, payloadBytes: Int, nowNanos: UInt64) {
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: max(payloadBytes, 0))
        lastRTPTimestamp = rtpTimestamp
        lastSendNanos = nowNanos
    }

    /// The RTP timestamp corresponding to `nowNanos`: the last sent timestamp advanced by the
    /// elapsed time in clock units (§6.4.1: "corresponds to the same time as the NTP timestamp").
    public func extrapolatedRTPTimestamp(nowNanos: UInt64) -> UInt32? {
        guard let sentAt = lastSendNanos else { return nil }
        let rate = UInt64(clockRate)
        if nowNanos >= sentAt {
            let elapsed = nowNanos - sentAt
            let units = (elapsed / 1_000_000_000) &* rate &+ (elapsed % 1_000_000_000) * rate / 1_000_000_000
            return lastRTPTimestamp &+ UInt32(truncatingIfNeeded: units)
        } else {
            let early = sentAt - nowNanos
            let units = (early / 1_000_000_000) &* rate &+ (early % 1_000_000_000) * rate / 1_000_000_000
            return lastRTPTimestamp &- UInt32(truncatingIfNeeded: units)
        }
    }

    /// Builds an SR for `nowNanos`, whose wall-clock time is `ntpTimestamp` (64-bit NTP, 32.32).
    /// Returns nil before the first packet: there is no timestamp to map yet.
    /// Remembers the SR so a later report block's LSR can be matched for the RTT.
    public mutating func makeSenderReport(ntpTimestamp: UInt64, nowNanos: UInt64,
                                          reports: [ReportBlock] = []) -> SenderReport? {
        guard let rtp = extrapolatedRTPTimestamp(nowNanos: nowNanos) else { return nil }
        sentReportNTP[nextReportSlot] = NTPTimestamp(rawValue: ntpTimestamp).middle32
        sentReportAt[nextReportSlot] = nowNanos
        nextReportSlot = (nextReportSlot + 1) % Self.rememberedReports
        return SenderReport(ssrc: ssrc, ntpTimestamp: ntpTimestamp, rtpTimestamp: rtp,
                            packetCount: packetCount, octetCount: octetCount, reports: reports)
    }

    /// Same, with the wall clock as nanoseconds since the Unix epoch.
    public mutating func makeSenderReport(wallClockUnixNanos: UInt64, nowNanos: UInt64,
                                          reports: [ReportBlock] = []) -> SenderReport? {
        makeSenderReport(ntpTimestamp: NTPTimestamp(unixNanos: wallClockUnixNanos).rawValue,
                         nowNanos: nowNanos, reports: reports)
    }

    /// Process a report block about this SSRC (from an RR or SR). Returns the RTT when the block
    /// references one of our recent SRs (LSR ≠ 0, §6.4.1).
    @discardableResult
    public mutating func reportBlockReceived(_ block: ReportBlock, nowNanos: UInt64) -> UInt64? {
        remoteFractionLost = block.fractionLost
        remoteCumulativeLost = block.cumulativeLost
        remoteJitter = block.jitter
        guard block.lastSenderReport != 0 else { return nil }
        for i in 0..<Self.rememberedReports where sentReportNTP[i] == block.lastSenderReport {
            let sentAt = sentReportAt[i]
            let delay = NTPTimestamp.nanos(fromCompact: block.delaySinceLastSenderReport)
            guard nowNanos >= sentAt else { return nil }
            let elapsed = nowNanos - sentAt
            // Clock granularity can make DLSR exceed the elapsed time by a few µs: clamp at 0.
            let rtt = elapsed > delay ? elapsed - delay : 0
            roundTripTimeNanos = rtt
            return rtt
        }
        return nil
    }
}
