import MediaAPI
import XCTest
@testable import MediaServer

final class SessionQuotaTests: XCTestCase {
    func testEachLimitRefusesOnlyWhatPassesIt() throws {
        var quota = SessionQuota(limits: SessionLimits(perIdentity: 2, perAddress: 3, perNode: 5))
        _ = try quota.admit(identity: "ann", address: "10.0.0.1").get()
        _ = try quota.admit(identity: "ann", address: "10.0.0.1").get()
        XCTAssertEqual(quota.admit(identity: "ann", address: "10.0.0.2"), .failure(.identity(limit: 2)))
        _ = try quota.admit(identity: "bob", address: "10.0.0.1").get()
        XCTAssertEqual(quota.admit(identity: "cy", address: "10.0.0.1"), .failure(.address(limit: 3)))
        // Signaling's sessions carry no address: only the identity and the node count them.
        _ = try quota.admit(identity: "cy", address: nil).get()
        _ = try quota.admit(identity: "dee", address: nil).get()
        XCTAssertEqual(quota.total, 5)
        XCTAssertEqual(quota.admit(identity: "eve", address: nil), .failure(.node(limit: 5)),
                       "a full node refuses everyone, whoever is below their own limit")
    }

    func testReleasingGivesThePlaceBackAndForgetsEmptyCounts() throws {
        var quota = SessionQuota(limits: SessionLimits(perIdentity: 1, perAddress: 1, perNode: 10))
        let ticket = try quota.admit(identity: "ann", address: "10.0.0.1").get()
        XCTAssertEqual(quota.admit(identity: "ann", address: nil), .failure(.identity(limit: 1)))
        quota.release(ticket)
        XCTAssertEqual(quota.total, 0)
        XCTAssertEqual(quota.count(identity: "ann"), 0)
        XCTAssertEqual(quota.count(address: "10.0.0.1"), 0)
        _ = try quota.admit(identity: "ann", address: "10.0.0.1").get()
    }

    func testRefusalsAre429ForACallerAnd503ForTheNode() {
        XCTAssertEqual(SessionQuota.Refusal.identity(limit: 2).mediaError,
                       .tooManySessions("this identity already holds 2 sessions on this node; end some first"))
        guard case .tooManySessions = SessionQuota.Refusal.address(limit: 2).mediaError else { return XCTFail() }
        guard case .capacity = SessionQuota.Refusal.node(limit: 2).mediaError else { return XCTFail() }
        let tooMany = APIError(MediaError.tooManySessions("x"))
        XCTAssertEqual(tooMany.status, .tooManyRequests)
        XCTAssertEqual(tooMany.extraHeaders[.retryAfter], "10")
        let full = APIError(MediaError.capacity("x"))
        XCTAssertEqual(full.status, .serviceUnavailable)
        XCTAssertEqual(full.extraHeaders[.retryAfter], "30")
    }
}

final class MemoryTrimPolicyTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    func testTrimsOnceSessionsFellFarBelowTheirPeak() {
        var policy = MemoryTrimPolicy(minimumDrop: 32, minimumIntervalNanos: 5 * second)
        XCTAssertFalse(policy.shouldTrim(sessions: 100, nowNanos: 0))
        XCTAssertFalse(policy.shouldTrim(sessions: 80, nowNanos: 1 * second), "20 fewer is ordinary coming and going")
        XCTAssertTrue(policy.shouldTrim(sessions: 60, nowNanos: 2 * second))
        XCTAssertFalse(policy.shouldTrim(sessions: 40, nowNanos: 3 * second), "the peak starts again at 60")
        XCTAssertFalse(policy.shouldTrim(sessions: 20, nowNanos: 4 * second), "40 below, but within 5 s of the last trim")
        XCTAssertTrue(policy.shouldTrim(sessions: 20, nowNanos: 7 * second))
    }

    func testTrimsWhenTheLastSessionEnds() {
        var policy = MemoryTrimPolicy(minimumDrop: 32, minimumIntervalNanos: 5 * second)
        XCTAssertFalse(policy.shouldTrim(sessions: 0, nowNanos: 0), "an idle node that never had sessions")
        XCTAssertFalse(policy.shouldTrim(sessions: 3, nowNanos: 1 * second))
        XCTAssertTrue(policy.shouldTrim(sessions: 0, nowNanos: 2 * second))
        XCTAssertFalse(policy.shouldTrim(sessions: 0, nowNanos: 10 * second), "nothing more came and went")
    }
}
