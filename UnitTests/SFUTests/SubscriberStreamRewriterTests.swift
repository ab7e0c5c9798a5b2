import XCTest
@testable import SFU

final class SubscriberStreamRewriterTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    typealias Out = (sequenceNumber: UInt16, timestamp: UInt32)

    private func assertOut(_ out: Out?, _ seq: UInt16, _ ts: UInt32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(out?.sequenceNumber, seq, file: file, line: line)
        XCTAssertEqual(out?.timestamp, ts, file: file, line: line)
    }

    func testVideoDropsUntilKeyframeThenContinuous() {
        var r = SubscriberStreamRewriter(kind: .video, outgoingSSRC: 0xFEED, clockRate: 90000,
                                         initialSequenceNumber: 5000, initialTimestamp: 1_000_000)
        XCTAssertTrue(r.needsKeyframe)
        XCTAssertNil(r.rewrite(extendedSequence: 98, timestamp: 500, ssrc: 0xA, isKeyframe: false, nowNanos: 0))
        XCTAssertNil(r.rewrite(extendedSequence: 99, timestamp: 500, ssrc: 0xA, isKeyframe: false, nowNanos: 0))
        XCTAssertTrue(r.needsKeyframe)
        assertOut(r.rewrite(extendedSequence: 100, timestamp: 3500, ssrc: 0xA, isKeyframe: true, nowNanos: 0), 5000, 1_000_000)
        XCTAssertFalse(r.needsKeyframe)
        assertOut(r.rewrite(extendedSequence: 101, timestamp: 3500, ssrc: 0xA, isKeyframe: false, nowNanos: 0), 5001, 1_000_000)
        assertOut(r.rewrite(extendedSequence: 102, timestamp: 6500, ssrc: 0xA, isKeyframe: false, nowNanos: 0), 5002, 1_003_000)
        // Real loss of 103 keeps its gap; the late 103 fills it.
        assertOut(r.rewrite(extendedSequence: 104, timestamp: 9500, ssrc: 0xA, isKeyframe: false, nowNanos: 0), 5004, 1_006_000)
        assertOut(r.rewrite(extendedSequence: 103, timestamp: 6500, ssrc: 0xA, isKeyframe: false, nowNanos: 0), 5003, 1_003_000)
        // Packets from before the key frame cannot be placed.
        XCTAssertNil(r.rewrite(extendedSequence: 99, timestamp: 500, ssrc: 0xA, isKeyframe: false, nowNanos: 0))
    }

    func testDeliberateDropsLeaveNoGap() {
        var r = SubscriberStreamRewriter(kind: .video, outgoingSSRC: 1, clockRate: 90000,
                                         initialSequenceNumber: 1000, initialTimestamp: 0)
        _ = r.rewrite(extendedSequence: 10, timestamp: 0, ssrc: 7, isKeyframe: true, nowNanos: 0)   // 1000
        r.drop(extendedSequence: 11, ssrc: 7)
        XCTAssertEqual(r.rewrite(extendedSequence: 12, timestamp: 0, ssrc: 7, isKeyframe: false, nowNanos: 0)?.sequenceNumber, 1001)
        r.drop(extendedSequence: 13, ssrc: 7)
        r.drop(extendedSequence: 14, ssrc: 7)
        r.drop(extendedSequence: 15, ssrc: 7)
        XCTAssertEqual(r.rewrite(extendedSequence: 16, timestamp: 0, ssrc: 7, isKeyframe: false, nowNanos: 0)?.sequenceNumber, 1002)
        // Drop after a real loss (17 missing): the loss stays a gap, the drop does not.
        r.drop(extendedSequence: 18, ssrc: 7)
        XCTAssertEqual(r.rewrite(extendedSequence: 19, timestamp: 0, ssrc: 7, isKeyframe: false, nowNanos: 0)?.sequenceNumber, 1004)
        XCTAssertEqual(r.rewrite(extendedSequence: 17, timestamp: 0, ssrc: 7, isKeyframe: false, nowNanos: 0)?.sequenceNumber, 1003)
        // NACKs map back to the right publisher packets.
        XCTAssertEqual(r.originalSequence(forOutgoing: 1000), 10)
        XCTAssertEqual(r.originalSequence(forOutgoing: 1001), 12)
        XCTAssertEqual(r.originalSequence(forOutgoing: 1002), 16)
        XCTAssertEqual(r.originalSequence(forOutgoing: 1003), 17)
        XCTAssertEqual(r.originalSequence(forOutgoing: 1004), 19)
        XCTAssertNil(r.originalSequence(forOutgoing: 1005))
        XCTAssertNil(r.originalSequence(forOutgoing: 999))
    }

    func testSourceSwitchKeepsContinuityAndNackMapping() {
        var r = SubscriberStreamRewriter(kind: .video, outgoingSSRC: 1, clockRate: 90000,
                                         initialSequenceNumber: 65534, initialTimestamp: UInt32.max - 3000)
        let a: UInt32 = 0xAAAA, b: UInt32 = 0xBBBB
        assertOut(r.rewrite(extendedSequence: 70_000, timestamp: 90_000, ssrc: a, isKeyframe: true, nowNanos: 0),
                  65534, UInt32.max - 3000)
        assertOut(r.rewrite(extendedSequence: 70_001, timestamp: 93_000, ssrc: a, isKeyframe: false, nowNanos: 33 * ms),
                  65535, UInt32.max)
        assertOut(r.rewrite(extendedSequence: 70_002, timestamp: 96_000, ssrc: a, isKeyframe: false, nowNanos: 66 * ms),
                  0, 2999)
        // The caller switches layers: B's delta frames wait for its key frame (and ask for one).
        XCTAssertNil(r.rewrite(extendedSequence: 300, timestamp: 5_000_000, ssrc: b, isKeyframe: false, nowNanos: 70 * ms))
        XCTAssertTrue(r.needsKeyframe)
        // A keeps flowing meanwhile.
        assertOut(r.rewrite(extendedSequence: 70_003, timestamp: 99_000, ssrc: a, isKeyframe: false, nowNanos: 99 * ms),
                  1, 5999)
        // B's key frame 10 ms later: timestamp follows by one frame (10 ms < 33 ms frame), sequence by one.
        assertOut(r.rewrite(extendedSequence: 301, timestamp: 5_003_000, ssrc: b, isKeyframe: true, nowNanos: 109 * ms),
                  2, 8999)
        XCTAssertFalse(r.needsKeyframe)
        assertOut(r.rewrite(extendedSequence: 302, timestamp: 5_006_000, ssrc: b, isKeyframe: false, nowNanos: 142 * ms),
                  3, 11999)
        // Stragglers from A are dropped silently.
        XCTAssertNil(r.rewrite(extendedSequence: 70_004, timestamp: 102_000, ssrc: a, isKeyframe: false, nowNanos: 143 * ms))
        XCTAssertFalse(r.needsKeyframe)
        XCTAssertEqual(r.currentSSRC, b)
        // Long after the switch, A's packets mean the caller switched back: wait for A's key frame.
        XCTAssertNil(r.rewrite(extendedSequence: 70_100, timestamp: 400_000, ssrc: a, isKeyframe: false, nowNanos: 2000 * ms))
        XCTAssertTrue(r.needsKeyframe)

        // A subscriber NACK maps back into the right publisher history, across the wrap and switch.
        XCTAssertEqual(r.origin(ofOutgoing: 65534), .init(ssrc: a, extendedSequence: 70_000))
        XCTAssertEqual(r.origin(ofOutgoing: 0), .init(ssrc: a, extendedSequence: 70_002))
        XCTAssertEqual(r.origin(ofOutgoing: 1), .init(ssrc: a, extendedSequence: 70_003))
        XCTAssertEqual(r.origin(ofOutgoing: 2), .init(ssrc: b, extendedSequence: 301))
        XCTAssertEqual(r.origin(ofOutgoing: 3), .init(ssrc: b, extendedSequence: 302))
        XCTAssertNil(r.origin(ofOutgoing: 4))
        XCTAssertNil(r.origin(ofOutgoing: 65533))
    }

    func testSwitchAfterLongPauseUsesElapsedTime() {
        var r = SubscriberStreamRewriter(kind: .video, outgoingSSRC: 1, clockRate: 90000,
                                         initialSequenceNumber: 2000, initialTimestamp: 0)
        _ = r.rewrite(extendedSequence: 1, timestamp: 777, ssrc: 1, isKeyframe: true, nowNanos: 0)
        // Publisher restarted with a new SSRC 2 s later.
        assertOut(r.rewrite(extendedSequence: 1, timestamp: 123, ssrc: 2, isKeyframe: true, nowNanos: 2000 * ms),
                  2001, 180_000)
    }

    func testAudioSwitchesImmediately() {
        var r = SubscriberStreamRewriter(kind: .audio, outgoingSSRC: 1, clockRate: 48000,
                                         initialSequenceNumber: 3000, initialTimestamp: 10_000)
        XCTAssertFalse(r.needsKeyframe)
        XCTAssertEqual(r.frameDurationTicks, 960)
        assertOut(r.rewrite(extendedSequence: 50, timestamp: 1_000, ssrc: 9, isKeyframe: false, nowNanos: 0), 3000, 10_000)
        assertOut(r.rewrite(extendedSequence: 51, timestamp: 1_960, ssrc: 9, isKeyframe: false, nowNanos: 20 * ms), 3001, 10_960)
        assertOut(r.rewrite(extendedSequence: 9000, timestamp: 42, ssrc: 10, isKeyframe: false, nowNanos: 25 * ms), 3002, 11_920)
        assertOut(r.rewrite(extendedSequence: 9001, timestamp: 1002, ssrc: 10, isKeyframe: false, nowNanos: 45 * ms), 3003, 12_880)
    }

    func testRandomStartIsInSafeRange() {
        for _ in 0..<100 {
            let r = SubscriberStreamRewriter(kind: .video, outgoingSSRC: 1, clockRate: 90000)
            XCTAssertTrue((1000..<32768).contains(r.nextSequenceNumber))
        }
    }
}
