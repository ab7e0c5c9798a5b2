import XCTest
import RTP
@testable import SFU

final class ReceiveStatisticsTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testJitterHandComputed() {
        // 8 kHz clock: 1 unit = 125 µs. Packets every 20 ms (160 units), arriving at
        // 0, 22, 40, 61 ms → transit 0, 16, 0, 8 → |D| = 16, 16, 8.
        // RFC 3550 A.8 fixed point (J scaled by 16): 0 → 16 → 31 → 37; reported 37 >> 4 = 2.
        // (Floating point: 1, 1.9375, 2.3164 → 2.)
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 8000)
        let base: UInt64 = 5_000 * ms
        let arrivals: [UInt64] = [0, 22, 40, 61]
        for (i, a) in arrivals.enumerated() {
            stats.received(sequenceNumber: UInt16(i), rtpTimestamp: UInt32(1000 + 160 * i),
                           packetBytes: 100, nowNanos: base + a * ms)
        }
        XCTAssertEqual(stats.jitter, 2)
        XCTAssertEqual(stats.makeReportBlock(nowNanos: base + 100 * ms).jitter, 2)
    }

    func testRetransmissionsAndReorderedPacketsDoNotAffectJitter() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 8000)
        stats.received(sequenceNumber: 0, rtpTimestamp: 0, packetBytes: 100, nowNanos: 0)
        stats.received(sequenceNumber: 2, rtpTimestamp: 320, packetBytes: 100, nowNanos: 40 * ms)
        stats.received(sequenceNumber: 1, rtpTimestamp: 160, packetBytes: 100, nowNanos: 300 * ms)
        stats.received(sequenceNumber: 3, rtpTimestamp: 480, packetBytes: 100, nowNanos: 60 * ms,
                       isRetransmission: true)
        XCTAssertEqual(stats.jitter, 0)
    }

    func testLossAcrossWrapAndFractionPerInterval() {
        var stats = ReceiveStatistics(ssrc: 0xABCD, clockRate: 90000)
        var t: UInt64 = 0
        for i in 0..<16 {
            let seq = UInt16(truncatingIfNeeded: 65530 + i)
            t += 10 * ms
            if seq == 65533 || seq == 2 { continue }
            stats.received(sequenceNumber: seq, rtpTimestamp: UInt32(i * 3000), packetBytes: 1000, nowNanos: t)
        }
        var block = stats.makeReportBlock(nowNanos: t)
        XCTAssertEqual(block.ssrc, 0xABCD)
        XCTAssertEqual(block.extendedHighestSequence, 65536 + 9)
        XCTAssertEqual(block.cumulativeLost, 2)
        XCTAssertEqual(block.fractionLost, 32)  // 2/16 × 256
        XCTAssertEqual(block.lastSenderReport, 0)
        XCTAssertEqual(block.delaySinceLastSenderReport, 0)

        for seq: UInt16 in 10...19 {
            stats.received(sequenceNumber: seq, rtpTimestamp: 0, packetBytes: 1000, nowNanos: t)
        }
        block = stats.makeReportBlock(nowNanos: t)
        XCTAssertEqual(block.fractionLost, 0)
        XCTAssertEqual(block.cumulativeLost, 2)
        XCTAssertEqual(block.extendedHighestSequence, 65536 + 19)

        // A late packet (one of the "lost") and a duplicate: cumulative loss may go down (and negative).
        stats.received(sequenceNumber: 2, rtpTimestamp: 0, packetBytes: 1000, nowNanos: t)
        stats.received(sequenceNumber: 19, rtpTimestamp: 0, packetBytes: 1000, nowNanos: t)
        block = stats.makeReportBlock(nowNanos: t)
        XCTAssertEqual(block.cumulativeLost, 0)
        XCTAssertEqual(block.fractionLost, 0)
    }

    func testSenderReportLSRAndDLSR() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 90000)
        stats.received(sequenceNumber: 1, rtpTimestamp: 0, packetBytes: 100, nowNanos: 0)
        stats.senderReportReceived(ntpTimestamp: 0x0001_2345_6789_ABCD, nowNanos: 1000 * ms)
        let block = stats.makeReportBlock(nowNanos: 1500 * ms)
        XCTAssertEqual(block.lastSenderReport, 0x2345_6789)
        XCTAssertEqual(block.delaySinceLastSenderReport, 32768)  // 0.5 s in 1/65536 s
    }

    func testSourceRestartAfterLargeJump() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 90000)
        for seq: UInt16 in 100...110 {
            stats.received(sequenceNumber: seq, rtpTimestamp: 0, packetBytes: 100, nowNanos: 0)
        }
        stats.received(sequenceNumber: 20000, rtpTimestamp: 0, packetBytes: 100, nowNanos: 0)
        XCTAssertEqual(stats.extendedHighestSequence, 110)  // ignored until confirmed
        stats.received(sequenceNumber: 20001, rtpTimestamp: 0, packetBytes: 100, nowNanos: 0)
        XCTAssertEqual(stats.extendedHighestSequence, 20001)
        XCTAssertEqual(stats.packetsReceived, 1)
        XCTAssertEqual(stats.cumulativeLost, 0)
    }

    func testReceivedBitrate() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 90000)
        var t: UInt64 = 0
        var seq: UInt16 = 0
        while t < 2000 * ms {
            stats.received(sequenceNumber: seq, rtpTimestamp: 0, packetBytes: 1000, nowNanos: t)
            seq &+= 1
            t += 10 * ms
        }
        let bps = stats.receivedBitrateBps(nowNanos: t)
        XCTAssertEqual(Double(bps), 800_000, accuracy: 40_000)
        // Silence empties the window.
        XCTAssertEqual(stats.receivedBitrateBps(nowNanos: t + 2000 * ms), 0)
    }
}
