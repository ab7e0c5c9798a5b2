import RTP
import XCTest
@testable import SFU

final class FanoutQueueTests: XCTestCase {
    private let fixture = TrackFixture(codec: TrackFixture.opus)

    private func makeTrack(fanout: FanoutQueue?) -> PublisherTrack { fixture.makeTrack(fanout: fanout) }

    private func subscribe(_ name: String, to track: PublisherTrack) -> SubscriberTrack {
        fixture.subscribe(name, to: track)
    }

    private func receive(_ track: PublisherTrack, sequenceNumbers: ClosedRange<UInt16>) {
        fixture.receive(track, sequenceNumbers: sequenceNumbers)
    }

    /// The subscribers' packets, key frame requests left out (audio asks for none).
    private var sent: [String] { fixture.sent.filter { !$0.contains(":") } }

    func testWithoutQueuePacketsGoToEverySubscriberAsTheyArrive() {
        let track = makeTrack(fanout: nil)
        _ = subscribe("a", to: track)
        _ = subscribe("b", to: track)
        receive(track, sequenceNumbers: 100...102)
        XCTAssertEqual(sent, ["a1", "b1", "a2", "b2", "a3", "b3"])
    }

    func testQueuedBurstIsFannedOutSubscriberBySubscriberInOrder() {
        let queue = FanoutQueue()
        let track = makeTrack(fanout: queue)
        _ = subscribe("a", to: track)
        _ = subscribe("b", to: track)
        receive(track, sequenceNumbers: 100...102)
        XCTAssertEqual(sent, [], "nothing leaves before the read burst ends")
        XCTAssertFalse(queue.isEmpty)
        queue.run()
        XCTAssertEqual(sent, ["a1", "a2", "a3", "b1", "b2", "b3"])
        XCTAssertEqual(fixture.counters.forwardedPackets, 6)
        XCTAssertTrue(queue.isEmpty)
        queue.run()
        XCTAssertEqual(sent.count, 6, "a packet is fanned out once")
    }

    func testLongBurstIsFannedOutEveryMaximumPendingPackets() {
        let queue = FanoutQueue()
        let track = makeTrack(fanout: queue)
        _ = subscribe("a", to: track)
        let count = PublisherTrack.maximumPending + 5
        receive(track, sequenceNumbers: 1...UInt16(count))
        XCTAssertEqual(sent.count, PublisherTrack.maximumPending)
        queue.run()
        XCTAssertEqual(sent, (1...count).map { "a\($0)" })
    }

    func testMuteOrLeavingBeforeTheBurstEndsWithholdsItsPackets() {
        let queue = FanoutQueue()
        let track = makeTrack(fanout: queue)
        _ = subscribe("a", to: track)
        let b = subscribe("b", to: track)
        receive(track, sequenceNumbers: 1...2)
        b.detach()
        queue.run()
        XCTAssertEqual(sent, ["a1", "a2"])

        receive(track, sequenceNumbers: 3...4)
        track.setForwarding(false, nowNanos: 0)
        queue.run()
        XCTAssertEqual(sent, ["a1", "a2"], "muted before the burst ended")
    }

    func testTwoTracksAreFannedOutInTheOrderTheyFirstReceived() {
        let queue = FanoutQueue()
        let first = makeTrack(fanout: queue)
        let second = makeTrack(fanout: queue)
        _ = subscribe("a", to: first)
        _ = subscribe("b", to: second)
        receive(second, sequenceNumbers: 1...1)
        receive(first, sequenceNumbers: 1...2)
        receive(second, sequenceNumbers: 2...2)
        queue.run()
        XCTAssertEqual(sent, ["b1", "b2", "a1", "a2"])
    }
}
