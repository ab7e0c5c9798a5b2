import XCTest
@testable import SFU

final class RemoteBitrateEstimateTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testIncreaseWhileLossIsLowAndReportEverySecond() {
        var e = RemoteBitrateEstimate()
        XCTAssertEqual(e.update(receivedBitrateBps: 500_000, lossFraction: 0, nowNanos: 0), 300_000)
        var reports: [UInt64] = []
        for i in 1...20 {
            if let r = e.update(receivedBitrateBps: 500_000, lossFraction: 0.01, nowNanos: UInt64(i) * 100 * ms) {
                reports.append(r)
            }
        }
        XCTAssertEqual(reports.count, 2)   // at 1 s and 2 s
        // ~8 %/s, applied per 100 ms step: 300k × 1.008^10 ≈ 324.9k after 1 s.
        XCTAssertEqual(Double(reports[0]), 324_900, accuracy: 500)
        XCTAssertGreaterThan(reports[1], reports[0])
    }

    func testHeavyLossDropsAndReportsAtOnce() {
        var e = RemoteBitrateEstimate()
        _ = e.update(receivedBitrateBps: 300_000, lossFraction: 0, nowNanos: 0)
        XCTAssertNil(e.update(receivedBitrateBps: 300_000, lossFraction: 0.05, nowNanos: 100 * ms))  // hold
        XCTAssertEqual(e.estimateBps, 300_000)
        XCTAssertEqual(e.update(receivedBitrateBps: 200_000, lossFraction: 0.2, nowNanos: 200 * ms), 170_000)
    }

    func testGrowthCappedByReceivedRateAndClamped() {
        var config = RemoteBitrateEstimate.Configuration()
        config.initialBps = 100_000
        config.maximumBps = 1_000_000
        config.minimumBps = 80_000
        var e = RemoteBitrateEstimate(configuration: config)
        for i in 0..<200 {
            _ = e.update(receivedBitrateBps: 100_000, lossFraction: 0, nowNanos: UInt64(i) * 100 * ms)
        }
        XCTAssertEqual(e.estimateBps, 160_000)   // 1.5 × 100k + 10k
        for i in 200..<600 {
            _ = e.update(receivedBitrateBps: 10_000_000, lossFraction: 0, nowNanos: UInt64(i) * 100 * ms)
        }
        XCTAssertEqual(e.estimateBps, 1_000_000)
        _ = e.update(receivedBitrateBps: 10_000, lossFraction: 0.5, nowNanos: 600 * 100 * ms)
        XCTAssertEqual(e.estimateBps, 80_000)
    }
}
