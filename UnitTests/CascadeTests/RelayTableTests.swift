import Cascade
import XCTest

final class RelayTableTests: XCTestCase {
    typealias Table = RelayTable<String, String>
    let second: UInt64 = 1_000_000_000
    let a = Table.Key(room: "r", resource: "n1.a")
    let b = Table.Key(room: "r", resource: "n1.b")

    func testAnUnwatchedIncomingRelayIsReleasedAfterThreeSeconds() {
        var table = Table()
        XCTAssertTrue(table.addIncoming("pub-a", key: a, nowNanos: 0))
        XCTAssertFalse(table.addIncoming("pub-a", key: a, nowNanos: 0), "the same key again")
        XCTAssertTrue(table.tick(nowNanos: 2 * second, isWatched: { _ in false }).released.isEmpty)
        let due = table.tick(nowNanos: 3 * second, isWatched: { _ in false })
        XCTAssertEqual(due.released.map(\.key), [a])
        XCTAssertEqual(due.released.map(\.value), ["pub-a"])
        XCTAssertTrue(table.isEmpty)
    }

    func testWatchingResetsTheIdleClock() {
        var table = Table()
        table.addIncoming("pub-a", key: a, nowNanos: 0)
        _ = table.tick(nowNanos: 2 * second, isWatched: { _ in true })   // a subscriber came
        _ = table.tick(nowNanos: 5 * second, isWatched: { _ in false })  // and left: idle from now
        XCTAssertTrue(table.tick(nowNanos: 7 * second, isWatched: { _ in false }).released.isEmpty)
        XCTAssertEqual(table.tick(nowNanos: 8 * second, isWatched: { _ in false }).released.map(\.key), [a])
    }

    func testALinkIsIdleTwoSecondsAfterItLastCarriedSomethingAndSaysSoOnce() {
        var table = Table()
        XCTAssertFalse(table.tick(nowNanos: 10 * second, isWatched: { _ in false }).linkIdle,
                       "a link that never carried anything (still being set up) is not idle")
        table.addOutgoing("sub-b", key: b)
        table.addIncoming("pub-a", key: a, nowNanos: 0)
        XCTAssertEqual(table.removeOutgoing(b, nowNanos: 20 * second), "sub-b")
        XCTAssertFalse(table.tick(nowNanos: 30 * second, isWatched: { _ in true }).linkIdle, "still carries a")
        XCTAssertEqual(table.removeIncoming(a, nowNanos: 31 * second), "pub-a")
        XCTAssertFalse(table.tick(nowNanos: 32 * second, isWatched: { _ in false }).linkIdle)
        XCTAssertTrue(table.tick(nowNanos: 33 * second, isWatched: { _ in false }).linkIdle)
        XCTAssertFalse(table.tick(nowNanos: 40 * second, isWatched: { _ in false }).linkIdle, "reported once")
        table.addOutgoing("sub-b", key: b)
        _ = table.removeOutgoing(b, nowNanos: 50 * second)
        XCTAssertTrue(table.tick(nowNanos: 52 * second, isWatched: { _ in false }).linkIdle, "a new idle period")
    }

    func testARelayReleasedByTheClockStartsTheIdlePeriod() {
        var table = Table()
        table.addIncoming("pub-a", key: a, nowNanos: 0)
        XCTAssertEqual(table.tick(nowNanos: 3 * second, isWatched: { _ in false }).released.count, 1)
        XCTAssertTrue(table.tick(nowNanos: 5 * second, isWatched: { _ in false }).linkIdle)
    }

    func testRemoveAllHandsBackEverything() {
        var table = Table()
        table.addIncoming("pub-a", key: a, nowNanos: 0)
        table.addOutgoing("sub-b", key: b)
        let all = table.removeAll()
        XCTAssertEqual(all.incoming.map(\.value), ["pub-a"])
        XCTAssertEqual(all.outgoing.map(\.value), ["sub-b"])
        XCTAssertTrue(table.isEmpty)
        XCTAssertFalse(table.tick(nowNanos: 10 * second, isWatched: { _ in false }).linkIdle,
                       "a closed link is gone, not idle")
    }
}
