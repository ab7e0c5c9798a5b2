import XCTest
import RTP
@testable import SFU

final class SendStatisticsTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testSenderReportExtrapolatesTimestamp() {
        var stats = SendStatistics(ssrc: 42, clockRate: 90000)
        XCTAssertNil(stats.makeSenderReport(ntpTimestamp: 1, nowNanos: 0))
        stats.sent(rtpTimestamp: 1000, payloadBytes: 100, nowNanos: 900 * ms)
        stats.sent(rtpTimestamp: 1000, payloadBytes: 120, nowNanos: 950 * ms)
        stats.sent(rtpTimestamp: UInt32.max - 100, payloadBytes: 80, nowNanos: 1000 * ms)
        let ntp = NTPTimestamp(unixNanos: 1_700_000_000_000_000_000).rawValue
        let sr = stats.makeSenderReport(ntpTimestamp: ntp, nowNanos: 1500 * ms)
        XCTAssertEqual(sr?.ssrc, 42)
        XCTAssertEqual(sr?.ntpTimestamp, ntp)
        XCTAssertEqual(sr?.rtpTimestamp, (UInt32.max - 100) &+ 45000)  // 0.5 s at 90 kHz, wrapping
        XCTAssertEqual(sr?.packetCount, 3)
        XCTAssertEqual(sr?.octetCount, 300)
    }

    func testRoundTripTimeFromReportBlock() {
        var stats = SendStatistics(ssrc: 42, clockRate: 48000)
        stats.sent(rtpTimestamp: 0, payloadBytes: 100, nowNanos: 0)
        let sr = stats.makeSenderReport(wallClockUnixNanos: 1_700_000_000_123_000_000, nowNanos: 2000 * ms)
        XCTAssertNotNil(sr)
        let lsr = NTPTimestamp(rawValue: sr!.ntpTimestamp).middle32
        // The receiver held the SR for 250 ms (DLSR 16384/65536 s); it arrives back 300 ms after we sent.
        let block = ReportBlock(ssrc: 42, fractionLost: 12, cumulativeLost: 3, extendedHighestSequence: 0,
                                jitter: 7, lastSenderReport: lsr, delaySinceLastSenderReport: 16384)
        XCTAssertEqual(stats.reportBlockReceived(block, nowNanos: 2300 * ms), 50 * ms)
        XCTAssertEqual(stats.roundTripTimeNanos, 50 * ms)
        XCTAssertEqual(stats.remoteFractionLost, 12)
        XCTAssertEqual(stats.remoteJitter, 7)
        // No SR referenced: no RTT.
        var noSR = block
        noSR.lastSenderReport = 0
        XCTAssertNil(stats.reportBlockReceived(noSR, nowNanos: 2400 * ms))
        // Unknown LSR: no RTT.
        noSR.lastSenderReport = lsr &+ 1
        XCTAssertNil(stats.reportBlockReceived(noSR, nowNanos: 2400 * ms))
    }
}
