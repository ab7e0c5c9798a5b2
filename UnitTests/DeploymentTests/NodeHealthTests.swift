import XCTest
@testable import Deployment

final class NodeHealthTests: XCTestCase {
    let second: UInt64 = 1_000_000_000

    func testUnknownUntilFirstResult() {
        var health = NodeHealth()
        XCTAssertEqual(health.state, .unknown)
        XCTAssertFalse(health.isHealthy)
        XCTAssertNil(health.tick(nowNanos: 100 * second), "no success yet: nothing to go stale")
        XCTAssertEqual(health.recordSuccess(nowNanos: 1 * second), .becameHealthy)
        XCTAssertTrue(health.isHealthy)
        XCTAssertNil(health.recordSuccess(nowNanos: 2 * second), "no flip, no event")
    }

    func testUnknownToUnhealthyAfterFailures() {
        var health = NodeHealth()
        XCTAssertNil(health.recordFailure(nowNanos: 1 * second))
        XCTAssertEqual(health.state, .unknown)
        XCTAssertEqual(health.recordFailure(nowNanos: 2 * second), .becameUnhealthy)
        XCTAssertEqual(health.state, .unhealthy)
    }

    func testConsecutiveFailuresTakeANodeDown() {
        var health = NodeHealth()
        _ = health.recordSuccess(nowNanos: 0)
        XCTAssertNil(health.recordFailure(nowNanos: 1 * second / 2))
        XCTAssertTrue(health.isHealthy, "one failure is not enough")
        XCTAssertNil(health.recordSuccess(nowNanos: 1 * second), "a success resets the count")
        XCTAssertNil(health.recordFailure(nowNanos: 3 * second / 2))
        XCTAssertEqual(health.consecutiveFailures, 1)
        XCTAssertEqual(health.recordFailure(nowNanos: 2 * second), .becameUnhealthy)
        XCTAssertNil(health.recordFailure(nowNanos: 5 * second / 2), "already down")
        XCTAssertEqual(health.recordSuccess(nowNanos: 3 * second), .becameHealthy, "one success brings it back")
    }

    func testStalenessTakesANodeDown() {
        var health = NodeHealth()
        _ = health.recordSuccess(nowNanos: 10 * second)
        XCTAssertNil(health.tick(nowNanos: 12 * second))
        XCTAssertTrue(health.isHealthy(nowNanos: 12 * second + second - 1))
        XCTAssertFalse(health.isHealthy(nowNanos: 13 * second), "stale even before tick is called")
        XCTAssertEqual(health.tick(nowNanos: 13 * second), .becameUnhealthy)
        XCTAssertNil(health.tick(nowNanos: 14 * second))
        XCTAssertEqual(health.recordSuccess(nowNanos: 15 * second), .becameHealthy)
        XCTAssertTrue(health.isHealthy(nowNanos: 15 * second))
    }

    func testAFailureAfterALongSilenceTakesANodeDownAtOnce() {
        var health = NodeHealth()
        _ = health.recordSuccess(nowNanos: 0)
        XCTAssertEqual(health.recordFailure(nowNanos: 4 * second), .becameUnhealthy)
    }

    func testClockGoingBackwardsIsNotStaleness() {
        var health = NodeHealth()
        _ = health.recordSuccess(nowNanos: 10 * second)
        XCTAssertNil(health.tick(nowNanos: 1 * second))
        XCTAssertTrue(health.isHealthy(nowNanos: 1 * second))
    }

    func testCustomThresholds() {
        var health = NodeHealth(failuresToDown: 3, staleAfterNanos: 10 * second)
        _ = health.recordSuccess(nowNanos: 0)
        XCTAssertNil(health.recordFailure(nowNanos: 1 * second))
        XCTAssertNil(health.recordFailure(nowNanos: 2 * second))
        XCTAssertEqual(health.recordFailure(nowNanos: 3 * second), .becameUnhealthy)
        XCTAssertEqual(NodeHealth(failuresToDown: 0).failuresToDown, 1)
    }

    func testHealthTable() throws {
        let configuration = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.threeSites))
        var table = HealthTable(configuration: configuration)
        XCTAssertEqual(table.healthyNodeIDs(nowNanos: 0), [])
        XCTAssertEqual(table["paris-1"]?.state, .unknown)
        XCTAssertNil(table["nowhere"])

        XCTAssertEqual(table.recordSuccess(nodeID: "paris-1", nowNanos: 0), .becameHealthy)
        XCTAssertEqual(table.recordSuccess(nodeID: "cloud-1", nowNanos: 2 * second), .becameHealthy)
        XCTAssertNil(table.recordFailure(nodeID: "cloud-2", nowNanos: 2 * second))
        XCTAssertEqual(table.recordFailure(nodeID: "cloud-2", nowNanos: 2 * second), .becameUnhealthy)
        XCTAssertEqual(table.healthyNodeIDs(nowNanos: 2 * second), ["paris-1", "cloud-1"])
        XCTAssertEqual(table.healthyNodeIDs(nowNanos: 3 * second), ["cloud-1"], "paris-1's last success is 3 s old")

        XCTAssertEqual(table.tick(nowNanos: 3 * second),
                       [HealthTable.Change(nodeID: "paris-1", transition: .becameUnhealthy)])
        XCTAssertEqual(table.tick(nowNanos: 3 * second), [])
        XCTAssertEqual(table.tick(nowNanos: 6 * second),
                       [HealthTable.Change(nodeID: "cloud-1", transition: .becameUnhealthy)])

        // A node that is not in the file (e.g. added by DNS) is tracked from its first result.
        XCTAssertEqual(table.recordSuccess(nodeID: "cloud-9", nowNanos: 6 * second), .becameHealthy)
        XCTAssertEqual(table.healthyNodeIDs(nowNanos: 6 * second), ["cloud-9"])
    }
}
