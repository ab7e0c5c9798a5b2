import XCTest
@testable import SFU

final class FanoutQueueTests: XCTestCase {
    private let fixture = TrackFixture(codec: TrackFixture.opus)

    func testWithoutQueuePacketsGoToEverySubscriberAsTheyArrive() {
        let track = fixture.makeTrack(fanout: nil)
        _ = fixture.subscribe("a", to: track)
        _ = fixture.subscribe("b", to: track)
        fixture.receive(track, sequenceNumbers: 100...102)
        XCTAssertEqual(fixture.packetsSent, ["a1", "b1", "a2", "b2", "a3", "b3"])
    }

    func testQueuedBurstIsFannedOutSubscriberBySubscriberInOrder() {
        let queue = FanoutQueue()
        let track = fixture.makeTrack(fanout: queue)
        _ = fixture.subscribe("a", to: track)
        _ = fixture.subscribe("b", to: track)
        fixture.receive(track, sequenceNumbers: 100...102)
        XCTAssertEqual(fixture.packetsSent, [], "nothing leaves before the read burst ends")
        XCTAssertFalse(queue.isEmpty)
        queue.run()
        XCTAssertEqual(fixture.packetsSent, ["a1", "a2", "a3", "b1", "b2", "b3"])
        XCTAssertEqual(fixture.counters.forwardedPackets, 6)
        XCTAssertTrue(queue.isEmpty)
        queue.run()
        XCTAssertEqual(fixture.packetsSent.count, 6, "a packet is fanned out once")
    }

    func testLongBurstIsFannedOutEveryMaximumPendingPackets() {
        let queue = FanoutQueue()
        let track = fixture.makeTrack(fanout: queue)
        _ = fixture.subscribe("a", to: track)
        let count = PublisherTrack.maximumPending + 5
        fixture.receive(track, sequenceNumbers: 1...UInt16(count))
        XCTAssertEqual(fixture.packetsSent.count, PublisherTrack.maximumPending)
        queue.run()
        XCTAssertEqual(fixture.packetsSent, (1...count).map { "a\($0)" })
    }

    func testMuteOrLeavingBeforeTheBurstEndsWithholdsItsPackets() {
        let queue = FanoutQueue()
        let track = fixture.makeTrack(fanout: queue)
        _ = fixture.subscribe("a", to: track)
        let b = fixture.subscribe("b", to: track)
        fixture.receive(track, sequenceNumbers: 1...2)
        b.detach()
        queue.run()
        XCTAssertEqual(fixture.packetsSent, ["a1", "a2"])

        fixture.receive(track, sequenceNumbers: 3...4)
        track.setForwarding(false, nowNanos: 0)
        queue.run()
        XCTAssertEqual(fixture.packetsSent, ["a1", "a2"], "muted before the burst ended")
    }

    func testTwoTracksAreFannedOutInTheOrderTheyFirstReceived() {
        let queue = FanoutQueue()
        let first = fixture.makeTrack(fanout: queue)
        let second = fixture.makeTrack(fanout: queue)
        _ = fixture.subscribe("a", to: first)
        _ = fixture.subscribe("b", to: second)
        fixture.receive(second, sequenceNumbers: 1...1)
        fixture.receive(first, sequenceNumbers: 1...2)
        fixture.receive(second, sequenceNumbers: 2...2)
        queue.run()
        XCTAssertEqual(fixture.packetsSent, ["b1", "b2", "a1", "a2"])
    }
}
