import XCTest
@testable import SFU

final class KeyframeRequestThrottleTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testThrottleAndPending() {
        var t = KeyframeRequestThrottle(minimumIntervalNanos: 400 * ms)
        XCTAssertFalse(t.shouldSend(nowNanos: 0))        // nothing requested
        t.request(nowNanos: 1000 * ms)
        XCTAssertTrue(t.shouldSend(nowNanos: 1000 * ms))
        XCTAssertEqual(t.firSequenceNumber, 0)
        XCTAssertNil(t.nextDeadlineNanos)
        t.request(nowNanos: 1100 * ms)
        XCTAssertFalse(t.shouldSend(nowNanos: 1100 * ms))
        t.request(nowNanos: 1200 * ms)
        XCTAssertFalse(t.shouldSend(nowNanos: 1200 * ms))
        XCTAssertTrue(t.isPending)
        XCTAssertEqual(t.nextDeadlineNanos, 1400 * ms)
        XCTAssertFalse(t.shouldSend(nowNanos: 1399 * ms))
        XCTAssertTrue(t.shouldSend(nowNanos: 1400 * ms))   // both pending requests → one PLI
        XCTAssertEqual(t.firSequenceNumber, 1)
        XCTAssertFalse(t.shouldSend(nowNanos: 2000 * ms))  // nothing pending
        XCTAssertEqual(t.requestsSent, 2)
    }

    func testKeyframeArrivalCancelsPending() {
        var t = KeyframeRequestThrottle(minimumIntervalNanos: 300 * ms)
        t.request(nowNanos: 0)
        XCTAssertTrue(t.shouldSend(nowNanos: 0))
        t.request(nowNanos: 100 * ms)
        XCTAssertFalse(t.shouldSend(nowNanos: 100 * ms))
        t.keyframeReceived()
        XCTAssertFalse(t.shouldSend(nowNanos: 400 * ms))
        XCTAssertNil(t.nextDeadlineNanos)
    }

    func testFIRSequenceWraps() {
        var t = KeyframeRequestThrottle(minimumIntervalNanos: 0)
        for i in 0..<257 {
            t.request(nowNanos: UInt64(i))
            XCTAssertTrue(t.shouldSend(nowNanos: UInt64(i)))
        }
        XCTAssertEqual(t.firSequenceNumber, 0)   // 257 requests: 256 increments mod 256
    }
}
