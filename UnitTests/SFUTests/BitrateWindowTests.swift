import XCTest
@testable import SFU

final class BitrateWindowTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testSteadyRate() {
        var w = BitrateWindow(windowNanos: 1000 * ms, bucketCount: 10)
        var t: UInt64 = 10_000 * ms
        for _ in 0..<300 {                // 125 bytes every 10 ms = 100 kbps, for 3 s
            w.add(bytes: 125, nowNanos: t)
            t += 10 * ms
        }
        XCTAssertEqual(Double(w.bitrateBps(nowNanos: t)), 100_000, accuracy: 10_000)
    }

    func testYoungStreamUsesElapsedTime() {
        var w = BitrateWindow(windowNanos: 1000 * ms, bucketCount: 10)
        for i in 0..<20 { w.add(bytes: 125, nowNanos: UInt64(i) * 10 * ms) }  // 200 ms
        XCTAssertEqual(Double(w.bitrateBps(nowNanos: 200 * ms)), 100_000, accuracy: 10_000)
    }

    func testRateFallsAfterStop() {
        var w = BitrateWindow(windowNanos: 1000 * ms, bucketCount: 10)
        for i in 0..<200 { w.add(bytes: 125, nowNanos: UInt64(i) * 10 * ms) }
        let half = w.bitrateBps(nowNanos: 2500 * ms)
        XCTAssertEqual(Double(half), 50_000, accuracy: 10_000)
        XCTAssertEqual(w.bitrateBps(nowNanos: 3100 * ms), 0)
        w.reset()
        XCTAssertEqual(w.bitrateBps(nowNanos: 4000 * ms), 0)
    }
}
