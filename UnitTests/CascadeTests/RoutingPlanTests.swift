import Cascade
import XCTest

/// The routing plan of a deployment: who links with whom, through whom, and which pulls loop.
final class RoutingPlanTests: XCTestCase {
    /// Two offices behind firewalls and two cloud nodes, every pair allowed to link.
    let nodes = [
        CascadePeer(id: "office-a", url: nil, reachable: false),
        CascadePeer(id: "cloud-1", url: "http://10.0.0.1:8080", reachable: true),
        CascadePeer(id: "office-b", url: nil, reachable: false),
        CascadePeer(id: "cloud-2", url: "http://10.0.0.2:8080", reachable: true),
    ]

    func plan(_ node: String, mayLink: @escaping (String, String) -> Bool = { _, _ in true }) -> RoutingPlan {
        RoutingPlan(node: node, nodes: nodes, mayLink: mayLink)
    }

    func testAnOfficeLinksOnlyWithReachableNodesAndKeepsADoorToEach() {
        let office = plan("office-a")
        XCTAssertFalse(office.reachable)
        XCTAssertEqual(office.peers.map(\.id), ["cloud-1", "cloud-2"], "two firewalled nodes cannot link")
        XCTAssertEqual(office.doors.map(\.id), ["cloud-1", "cloud-2"])
        XCTAssertEqual(plan("cloud-1").doors, [], "a reachable node needs no doors")
    }

    func testTheOtherOfficeIsPulledThroughTheFirstReachableNodeLinkedToBoth() {
        XCTAssertEqual(plan("office-a").intermediaries, ["office-b": "cloud-1"])
        XCTAssertEqual(plan("office-a").nextHop(toOrigin: "office-b"), "cloud-1")
        XCTAssertEqual(plan("office-a").nextHop(toOrigin: "cloud-2"), "cloud-2", "direct when possible")
        XCTAssertEqual(plan("cloud-1").intermediaries, [:])
    }

    func testLinkRulesDecideTheIntermediary() {
        // cloud-1 may not link with office-b: the way from office-a to office-b is cloud-2.
        let rules: (String, String) -> Bool = { a, b in Set([a, b]) != ["cloud-1", "office-b"] }
        XCTAssertEqual(plan("office-a", mayLink: rules).intermediaries, ["office-b": "cloud-2"])
        // Nobody links office-a with office-b at all: no way, no entry.
        let isolated: (String, String) -> Bool = { a, b in !Set([a, b]).isSuperset(of: ["office-b"]) }
        XCTAssertEqual(plan("office-a", mayLink: isolated).intermediaries, [:])
    }

    func testPullsThatWouldLoopAreRefused() {
        let cloud = plan("cloud-1")
        XCTAssertNil(cloud.refusal(ofPullFrom: "office-a", origin: "office-b", path: ["office-a"]))
        XCTAssertNotNil(cloud.refusal(ofPullFrom: "office-a", origin: "office-b", path: ["cloud-1", "office-a"]),
                        "a pull that already passed through here")
        XCTAssertNotNil(cloud.refusal(ofPullFrom: "office-b", origin: "office-b", path: ["office-b"]),
                        "nothing goes back to its origin")
    }

    func testARelayedTrackIsNeverServedBackTheWayItCame() {
        XCTAssertTrue(RoutingPlan.mayServeRelayed(origin: "office-b", receivedFrom: "office-b", to: "office-a"))
        XCTAssertFalse(RoutingPlan.mayServeRelayed(origin: "office-b", receivedFrom: "office-b", to: "office-b"))
        XCTAssertFalse(RoutingPlan.mayServeRelayed(origin: "office-b", receivedFrom: "cloud-2", to: "cloud-2"))
        XCTAssertFalse(RoutingPlan.mayServeRelayed(origin: "office-b", receivedFrom: "cloud-2", to: "office-b"))
    }

    func testACrossedDialIsKeptByTheSmallerID() {
        XCTAssertTrue(plan("cloud-1").keepsOwnDial(against: "cloud-2"))
        XCTAssertFalse(plan("cloud-2").keepsOwnDial(against: "cloud-1"))
    }
}

final class BackoffTests: XCTestCase {
    func testDoublesUpToTheMaximumAndResets() {
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(5))
        XCTAssertEqual((0..<6).map { _ in backoff.next() },
                       [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        backoff.reset()
        XCTAssertEqual(backoff.next(), .milliseconds(500))
    }
}
