// Sender and receiver reports (RFC 3550 §6.4.1, §6.4.2) and their report blocks.

/// One reception report block (RFC 3550 §6.4.1), 24 bytes.
public struct ReportBlock: Sendable, Equatable {
    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256.
    public var fractionLost: UInt8
    /// Cumulative number of packets lost: 24-bit signed on the wire (can go negative with duplicates).
    public var cumulativeLost: Int32
    /// Cycles count (high 16 bits) and highest sequence number received (low 16 bits).
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, A.8).
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none).
    public var lastSenderReport: UInt32
    /// Delay since that SR, in units of 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    public static let byteCount = 24

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequence: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    /// The largest/smallest values a 24-bit signed cumulative loss can carry; larger ones are clamped.
    public static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    static func parse(_ reader: inout RTCPReader) throws(RTCPError) -> ReportBlock {
        let ssrc = try reader.read32()
        let fraction = try reader.read8()
        let lost24 = try reader.read24()
        // Sign-extend the 24-bit two's complement value.
        let lost = Int32(bitPattern: lost24 << 8) >> 8
        return ReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost,
                           extendedHighestSequence: try reader.read32(), jitter: try reader.read32(),
                           lastSenderReport: try reader.read32(), delaySinceLastSenderReport: try reader.read32())
    }

    func serialize(into out: inout [UInt8]) {
        rtcpAppend32(&out, ssrc)
        out.append(fractionLost)
        let clamped = min(max(cumulativeLost, ReportBlock.cumulativeLostRange.lowerBound),
                          ReportBlock.cumulativeLostRange.upperBound)
        rtcpAppend24(&out, UInt32(bitPattern: clamped) & 0xFF_FFFF)
        rtcpAppend32(&out, extendedHighestSequence)
        rtcpAppend32(&out, jitter)
        rtcpAppend32(&out, lastSenderReport)
        rtcpAppend32(&out, delaySinceLastSenderReport)
    }
}

/// SR, PT=200 (RFC 3550 §6.4.1). At most 31 report blocks fit the 5-bit count; `serialize`
/// writes the first 31.
public struct SenderReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// 64-bit NTP timestamp (32.32), see `NTPTimestamp`.
    public var ntpTimestamp: UInt64
    /// The same instant in the stream's RTP clock (after any rewriting the SFU applies).
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [ReportBlock]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reports: [ReportBlock] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
    }

    static func parse(count: UInt8, body: ArraySlice<UInt8>) throws(RTCPError) -> SenderReport {
        var reader = RTCPReader(body)
        try reader.require(24 + Int(count) * ReportBlock.byteCount)
        let ssrc = try reader.read32()
        let ntpHigh = try reader.read32()
        let ntpLow = try reader.read32()
        var report = SenderReport(ssrc: ssrc, ntpTimestamp: UInt64(ntpHigh) << 32 | UInt64(ntpLow),
                                  rtpTimestamp: try reader.read32(), packetCount: try reader.read32(),
                                  octetCount: try reader.read32())
        for _ in 0..<count { report.reports.append(try ReportBlock.parse(&reader)) }
        // Anything after the blocks is a profile-specific extension (§6.4.1); ignored.
        return report
    }

    func serialize(into out: inout [UInt8]) {
        let blocks = reports.prefix(31)
        rtcpAppendHeader(&out, count: UInt8(blocks.count), packetType: RTCPPacketType.senderReport,
                         byteCount: 28 + blocks.count * ReportBlock.byteCount)
        rtcpAppend32(&out, ssrc)
        rtcpAppend32(&out, UInt32(truncatingIfNeeded: ntpTimestamp >> 32))
        rtcpAppend32(&out, UInt32(truncatingIfNeeded: ntpTimestamp))
        rtcpAppend32(&out, rtpTimestamp)
        rtcpAppend32(&out, packetCount)
        rtcpAppend32(&out, octetCount)
        for block in blocks { block.serialize(into: &out) }
    }
}

/// RR, PT=201 (RFC 3550 §6.4.2). An RR with no blocks is what a receiver sends when it has
/// nothing to report, e.g. to start a compound packet (§6.1).
public struct ReceiverReport: Sendable, Equatable {
    public var ssrc: UInt32
    public var reports: [ReportBlock]

    public init(ssrc: UInt32, reports: [ReportBlock] = []) {
        self.ssrc = ssrc
        self.reports = reports
    }

    static func parse(count: UInt8, body: ArraySlice<UInt8>) throws(RTCPError) -> ReceiverReport {
        var reader = RTCPReader(body)
        try reader.require(4 + Int(count) * ReportBlock.byteCount)
        var report = ReceiverReport(ssrc: try reader.read32())
        for _ in 0..<count { report.reports.append(try ReportBlock.parse(&reader)) }
        return report
    }

    func serialize(into out: inout [UInt8]) {
        let blocks = reports.prefix(31)
        rtcpAppendHeader(&out, count: UInt8(blocks.count), packetType: RTCPPacketType.receiverReport,
                         byteCount: 8 + blocks.count * ReportBlock.byteCount)
        rtcpAppend32(&out, ssrc)
        for block in blocks { block.serialize(into: &out) }
    }
}
