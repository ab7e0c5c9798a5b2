import RTP
import XCTest
@testable import SFU

/// A subscriber's transport that records the sequence numbers it is asked to send, in one log
/// shared by every subscriber, so the tests see the order of the whole fan-out.
private final class RecordingSender: RTPPacketSender {
    let name: String
    let log: Log

    final class Log {
        var entries: [String] = []
    }

    init(name: String, log: Log) {
        self.name = name
        self.log = log
    }

    func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumLength, alignment: 8)
        defer { buffer.deallocate() }
        let length = write(buffer)
        guard length > 0, let header = RTPHeader.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<length])) else { return }
        log.entries.append("\(name)\(header.sequenceNumber)")
    }

    func sendRTCP(_ packets: [RTCPPacket]) {}
}

final class FanoutQueueTests: XCTestCase {
    private let opus = TrackCodec(kind: .audio, name: "opus", clockRate: 48_000, channels: 2, payloadType: 111)
    private let counters = ForwardingCounters()
    private let log = RecordingSender.Log()
    private var senders: [RecordingSender] = []

    private func makeTrack(fanout: FanoutQueue?) -> PublisherTrack {
        PublisherTrack(mid: "0", codec: opus, ssrc: 1111, rtxSSRC: nil, extensionIDs: ExtensionIDs(),
                       localSSRC: 1, counters: counters, fanout: fanout)
    }

    /// A subscriber whose outgoing sequence numbers start at 1 (the rewriter picks its own
    /// start; the tests compare positions, so they renumber from the first one sent).
    private func subscribe(_ name: String, to track: PublisherTrack) -> SubscriberTrack {
        let subscriber = SubscriberTrack(mid: "0", codec: opus, ssrc: UInt32(name.unicodeScalars.first!.value),
                                         rtxSSRC: nil, extensionIDs: ExtensionIDs(), counters: counters)
        let sender = RecordingSender(name: name, log: log)
        senders.append(sender)
        subscriber.downstream = sender
        subscriber.attach(to: track, nowNanos: 0)
        return subscriber
    }

    private func receive(_ track: PublisherTrack, sequenceNumbers: ClosedRange<UInt16>) {
        for sequenceNumber in sequenceNumbers {
            let writer = RTPPacketWriter(payloadType: 111, sequenceNumber: sequenceNumber,
                                         timestamp: UInt32(sequenceNumber) * 960, ssrc: 1111)
            let payload: [UInt8] = [0xF8, 0xFF, 0xFE, UInt8(truncatingIfNeeded: sequenceNumber)]
            var packet = [UInt8](repeating: 0, count: writer.packetLength(payloadLength: payload.count))
            let length = packet.withUnsafeMutableBytes { out in
                payload.withUnsafeBytes { writer.write(payload: $0, into: out) }
            }!
            packet.withUnsafeBytes { bytes in
                let packet = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
                track.receive(packet, header: RTPHeader.parse(packet)!, nowNanos: UInt64(sequenceNumber) * 20_000_000)
            }
        }
    }

    /// The log with each subscriber's sequence numbers counted from its first: "a1 a2 b1 b2".
    private var sent: [String] {
        var first: [Character: Int] = [:]
        return log.entries.map { entry in
            let name = entry.first!
            let number = Int(entry.dropFirst())!
            let start = first[name] ?? number
            first[name] = start
            return "\(name)\(Int(UInt16(truncatingIfNeeded: number - start)) + 1)"
        }
    }

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
        XCTAssertEqual(counters.forwardedPackets, 6)
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
