import XCTest
@testable import SFU

/// A stream that comes back after a network outage: subscribers see it close up instead of a gap
/// no one can fill, and video restarts at a key frame requested at once (PublisherTrack,
/// SubscriberStreamRewriter.skipGap).
final class OutageResumptionTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    func testAudioAfterAnOutageContinuesWithoutAGap() {
        let fixture = TrackFixture(codec: TrackFixture.opus)
        let track = fixture.makeTrack()
        _ = fixture.subscribe("a", to: track)
        fixture.receive(track, sequenceNumbers: 100...102)
        // 5 s of nothing, 400 packets lost on the way.
        fixture.receive(track, sequenceNumbers: 503...504, startNanos: 5 * second)
        XCTAssertEqual(fixture.sent, ["a1", "a2", "a3", "a4", "a5"])
    }

    func testLossWithoutSilenceKeepsItsGapForNACK() {
        let fixture = TrackFixture(codec: TrackFixture.opus)
        let track = fixture.makeTrack()
        _ = fixture.subscribe("a", to: track)
        fixture.receive(track, sequenceNumbers: 100...102)
        fixture.receive(track, sequenceNumbers: 110...110, startNanos: 200_000_000)
        XCTAssertEqual(fixture.sent, ["a1", "a2", "a3", "a11"])
    }

    func testSilenceWithoutAGapChangesNothing() {
        let fixture = TrackFixture(codec: TrackFixture.vp8)
        let track = fixture.makeTrack()
        _ = fixture.subscribe("a", to: track)
        fixture.receive(track, sequenceNumbers: 100...101, isKeyframe: { $0 == 100 })
        fixture.log.entries.removeAll()
        // A publisher that paused (nothing lost): its next delta frame is forwarded as is.
        fixture.receive(track, sequenceNumbers: 102...102, startNanos: 5 * second)
        XCTAssertEqual(fixture.log.entries.count, 1)
        XCTAssertFalse(fixture.log.entries.contains("publisher:PLI"))
    }

    func testVideoAfterAnOutageRestartsAtAKeyFrameRequestedAtOnce() {
        let fixture = TrackFixture(codec: TrackFixture.vp8)
        let queue = FanoutQueue()
        let track = fixture.makeTrack(fanout: queue)
        _ = fixture.subscribe("a", to: track)
        _ = fixture.subscribe("b", to: track)
        fixture.receive(track, sequenceNumbers: 100...102, isKeyframe: { $0 == 100 })
        queue.run()
        let requestsBefore = fixture.log.entries.filter { $0 == "publisher:PLI" }.count

        // After 8 s: delta frames first (undecodable after the loss), then the key frame.
        fixture.receive(track, sequenceNumbers: 340...341, startNanos: 8 * second)
        XCTAssertEqual(fixture.log.entries.filter { $0 == "publisher:PLI" }.count, requestsBefore + 1,
                       "a key frame is requested as the stream comes back")
        fixture.receive(track, sequenceNumbers: 342...343, startNanos: 8 * second + 500_000_000,
                        isKeyframe: { $0 == 342 })
        queue.run()
        // Each subscriber goes on right after its last packet (no gap), at the key frame.
        XCTAssertEqual(fixture.packetsSent,
                       ["a1", "a2", "a3", "b1", "b2", "b3", "a4", "a5", "b4", "b5"])
    }
}
