import XCTest
@testable import SFU

final class NackGeneratorTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    private func makeGenerator() -> NackGenerator {
        var config = NackGenerator.Configuration()
        config.reorderDelayNanos = 10 * ms
        config.minimumRetryIntervalNanos = 20 * ms
        config.maxRetries = 3
        config.maxAgeNanos = 1000 * ms
        config.maxMissing = 100
        var g = NackGenerator(configuration: config)
        g.roundTripTimeNanos = 50 * ms
        return g
    }

    func testReorderedPacketIsNotRequested() {
        var g = makeGenerator()
        g.received(sequenceNumber: 1, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 3, isRetransmission: false, nowNanos: 1 * ms)
        g.received(sequenceNumber: 2, isRetransmission: false, nowNanos: 5 * ms)
        XCTAssertEqual(g.due(nowNanos: 20 * ms), [])
        XCTAssertEqual(g.requestedCount, 0)
        XCTAssertNil(g.nextDueNanos())
    }

    func testGapAcrossWrapRequestedAfterReorderDelay() {
        var g = makeGenerator()
        g.received(sequenceNumber: 65533, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 2, isRetransmission: false, nowNanos: 100 * ms)  // 65534...1 missing
        XCTAssertEqual(g.missingCount, 4)
        XCTAssertEqual(g.due(nowNanos: 105 * ms), [])
        XCTAssertEqual(g.nextDueNanos(), 110 * ms)
        XCTAssertEqual(g.due(nowNanos: 110 * ms), [65534, 65535, 0, 1])
        XCTAssertEqual(g.requestedCount, 4)
    }

    func testRetryEveryRTTThenGiveUp() {
        var g = makeGenerator()
        g.received(sequenceNumber: 10, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 12, isRetransmission: false, nowNanos: 0)
        XCTAssertEqual(g.due(nowNanos: 10 * ms), [11])
        XCTAssertEqual(g.due(nowNanos: 40 * ms), [])       // RTT 50 ms > 20 ms minimum
        XCTAssertEqual(g.nextDueNanos(), 60 * ms)
        XCTAssertEqual(g.due(nowNanos: 60 * ms), [11])
        XCTAssertEqual(g.due(nowNanos: 110 * ms), [11])     // third and last request
        XCTAssertFalse(g.needsKeyframe)
        XCTAssertEqual(g.due(nowNanos: 160 * ms), [])       // gave up
        XCTAssertTrue(g.needsKeyframe, "a packet given up leaves the decoders waiting for a key frame")
        XCTAssertEqual(g.lostCount, 1)
        XCTAssertEqual(g.requestedCount, 1)
        XCTAssertEqual(g.missingCount, 0)
    }

    func testRetryIntervalHasFloor() {
        var g = makeGenerator()
        g.roundTripTimeNanos = 1 * ms
        g.received(sequenceNumber: 1, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 3, isRetransmission: false, nowNanos: 0)
        XCTAssertEqual(g.due(nowNanos: 10 * ms), [2])
        XCTAssertEqual(g.due(nowNanos: 20 * ms), [])
        XCTAssertEqual(g.due(nowNanos: 30 * ms), [2])
    }

    func testRecoveredByRetransmission() {
        var g = makeGenerator()
        g.received(sequenceNumber: 100, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 103, isRetransmission: false, nowNanos: 0)
        XCTAssertEqual(g.due(nowNanos: 10 * ms), [101, 102])
        g.received(sequenceNumber: 101, isRetransmission: true, nowNanos: 40 * ms)
        XCTAssertEqual(g.recoveredCount, 1)
        XCTAssertEqual(g.due(nowNanos: 60 * ms), [102])
        XCTAssertFalse(g.needsKeyframe)
    }

    func testGiveUpAfterMaxAge() {
        var config = NackGenerator.Configuration()
        config.maxRetries = 100
        config.maxAgeNanos = 200 * ms
        var g = NackGenerator(configuration: config)
        g.roundTripTimeNanos = 20 * ms
        g.received(sequenceNumber: 1, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 3, isRetransmission: false, nowNanos: 0)
        var requests = 0
        var t: UInt64 = 0
        while t <= 400 * ms {
            requests += g.due(nowNanos: t).count
            t += 10 * ms
        }
        XCTAssertEqual(g.lostCount, 1)
        XCTAssertEqual(g.missingCount, 0)
        XCTAssertTrue(g.needsKeyframe)
        XCTAssertGreaterThanOrEqual(requests, 9)
        XCTAssertLessThanOrEqual(requests, 11)
    }

    func testTooManyMissingRequestsKeyframe() {
        var g = makeGenerator()
        g.received(sequenceNumber: 1, isRetransmission: false, nowNanos: 0)
        g.received(sequenceNumber: 500, isRetransmission: false, nowNanos: 0)
        XCTAssertTrue(g.needsKeyframe)
        XCTAssertEqual(g.missingCount, 0)
        XCTAssertEqual(g.lostCount, 498)
        g.keyframeRequested()
        XCTAssertFalse(g.needsKeyframe)
        // Later small gaps are NACKed normally again.
        g.received(sequenceNumber: 502, isRetransmission: false, nowNanos: 0)
        XCTAssertEqual(g.due(nowNanos: 10 * ms), [501])
    }

    func testAccumulatedMissingOverCapRequestsKeyframe() {
        var g = makeGenerator()   // maxMissing 100
        var seq: UInt16 = 0
        g.received(sequenceNumber: seq, isRetransmission: false, nowNanos: 0)
        for _ in 0..<60 {         // every other packet lost: 60 outstanding
            seq &+= 2
            g.received(sequenceNumber: seq, isRetransmission: false, nowNanos: 0)
        }
        XCTAssertFalse(g.needsKeyframe)
        XCTAssertEqual(g.missingCount, 60)
        seq &+= 50
        g.received(sequenceNumber: seq, isRetransmission: false, nowNanos: 0)  // +49 → 109 > 100
        XCTAssertTrue(g.needsKeyframe)
        XCTAssertEqual(g.missingCount, 0)
    }

    func testRandomLossPatternAllRecovered() {
        var config = NackGenerator.Configuration()
        config.maxMissing = 1000
        var g = NackGenerator(configuration: config)
        var held: [UInt16] = []
        var t: UInt64 = 0
        for i in 0..<2000 {
            let seq = UInt16(truncatingIfNeeded: 64000 + i)
            if i % 7 == 3 || i % 11 == 5 { held.append(seq); continue }
            g.received(sequenceNumber: seq, isRetransmission: false, nowNanos: t)
            t += 100_000
        }
        let requested = Set(g.due(nowNanos: t + 10 * ms))
        XCTAssertEqual(requested, Set(held))
        for seq in held { g.received(sequenceNumber: seq, isRetransmission: true, nowNanos: t + 20 * ms) }
        XCTAssertEqual(g.recoveredCount, UInt64(held.count))
        XCTAssertEqual(g.missingCount, 0)
        XCTAssertFalse(g.needsKeyframe, "everything was repaired")
    }
}
