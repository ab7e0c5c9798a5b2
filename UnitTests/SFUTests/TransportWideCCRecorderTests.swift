import XCTest
import RTP
@testable import SFU

final class TransportWideCCRecorderTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    /// Rebuilds (sequence → arrival time in 250 µs ticks) from feedback the way a sender does.
    private func decode(_ messages: [TransportCCFeedback]) -> (received: [Int64: Int64], lost: Set<Int64>) {
        var received: [Int64: Int64] = [:]
        var lost = Set<Int64>()
        var unwrapper = SequenceNumberUnwrapper()
        for message in messages {
            var ticks = Int64(message.referenceTime) * 256
            let base = unwrapper.unwrap(message.baseSequenceNumber)
            for (i, status) in message.packets.enumerated() {
                switch status {
                case .notReceived: lost.insert(base + Int64(i))
                case .received(let delta):
                    ticks += Int64(delta)
                    received[base + Int64(i)] = ticks
                }
            }
        }
        return (received, lost)
    }

    private func roundTrip(_ messages: [TransportCCFeedback], file: StaticString = #filePath, line: UInt = #line) {
        var bytes: [UInt8] = []
        for m in messages { RTCPPacket.transportCC(m).serialize(into: &bytes) }
        XCTAssertEqual(try RTCPCompound.parse(bytes), messages.map { .transportCC($0) }, file: file, line: line)
    }

    func testLossesReorderingAndWrap() {
        var recorder = TransportWideCCRecorder()
        let base: UInt64 = 10_000 * ms + 123_456  // not on a tick boundary
        var arrivals: [Int64: UInt64] = [:]
        // 65530 ... 65545 (wraps), with 65533, 65536 (=0) and 65540 lost, and 65538/65539 swapped.
        var order: [Int64] = Array(65530...65545).filter { ![65533, 65536, 65540].contains($0) }
        order.swapAt(order.firstIndex(of: 65538)!, order.firstIndex(of: 65539)!)
        for (i, seq) in order.enumerated() {
            let arrival = base + UInt64(i) * 5 * ms + UInt64(i % 3) * 300_000
            arrivals[seq] = arrival
            recorder.record(transportSequence: UInt16(truncatingIfNeeded: seq), arrivalNanos: arrival)
        }
        let feedback = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: base + 100 * ms)
        XCTAssertEqual(feedback.count, 1)
        XCTAssertEqual(feedback[0].baseSequenceNumber, 65530)
        XCTAssertEqual(feedback[0].packets.count, 16)
        XCTAssertEqual(feedback[0].feedbackPacketCount, 0)
        XCTAssertEqual(feedback[0].referenceTime, Int32(base / (64 * ms)))
        let decoded = decode(feedback)
        XCTAssertEqual(decoded.lost, [65533, 65536, 65540])
        for (seq, arrival) in arrivals {
            XCTAssertEqual(decoded.received[seq], Int64(arrival / 250_000), "seq \(seq)")
        }
        roundTrip(feedback)
        // Nothing new: no feedback.
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: base + 200 * ms), [])
        XCTAssertFalse(recorder.hasPendingFeedback)
    }

    func testBigArrivalGapSplitsFeedback() {
        var recorder = TransportWideCCRecorder()
        let t0: UInt64 = 3_000 * ms
        for i in 0..<5 { recorder.record(transportSequence: UInt16(100 + i), arrivalNanos: t0 + UInt64(i) * 10 * ms) }
        // Packet 105 lost; 106 arrives 9 s later: 36000 ticks do not fit an Int16 delta.
        recorder.record(transportSequence: 106, arrivalNanos: t0 + 9_040 * ms)
        recorder.record(transportSequence: 107, arrivalNanos: t0 + 9_045 * ms)
        let feedback = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: t0 + 9_100 * ms)
        XCTAssertEqual(feedback.count, 2)
        XCTAssertEqual(feedback.map(\.baseSequenceNumber), [100, 106])
        XCTAssertEqual(feedback.map(\.feedbackPacketCount), [0, 1])
        XCTAssertEqual(feedback[0].packets.count, 6)        // 100...105, 105 not received
        XCTAssertEqual(feedback[0].packets.last, .notReceived)
        XCTAssertEqual(feedback[1].packets.count, 2)
        let decoded = decode(feedback)
        XCTAssertEqual(decoded.received[106], Int64((t0 + 9_040 * ms) / 250_000))
        XCTAssertEqual(decoded.received[107], Int64((t0 + 9_045 * ms) / 250_000))
        XCTAssertEqual(decoded.lost, [105])
        roundTrip(feedback)
        // The counter keeps going.
        recorder.record(transportSequence: 108, arrivalNanos: t0 + 9_150 * ms)
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 0).first?.feedbackPacketCount, 2)
    }

    func testBigSequenceGapReportsEveryPacket() {
        var recorder = TransportWideCCRecorder()
        recorder.record(transportSequence: 65000, arrivalNanos: 1000 * ms)
        recorder.record(transportSequence: 3000, arrivalNanos: 1010 * ms)   // 3536 later, wrapped
        let feedback = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 1100 * ms)
        XCTAssertEqual(feedback.count, 1)
        XCTAssertEqual(feedback[0].packets.count, 3537)
        XCTAssertEqual(feedback[0].packets.filter { $0 == .notReceived }.count, 3535)
        roundTrip(feedback)
    }

    func testLatePacketIsReportedInNextFeedback() {
        var recorder = TransportWideCCRecorder()
        recorder.record(transportSequence: 1, arrivalNanos: 100 * ms)
        recorder.record(transportSequence: 3, arrivalNanos: 110 * ms)
        let first = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 120 * ms)
        XCTAssertEqual(first.first?.packets, [.received(deltaTicks: Int16((100 * ms / 250_000) - (100 * ms / 64 / ms) * 256)),
                                              .notReceived, .received(deltaTicks: 40)])
        recorder.record(transportSequence: 2, arrivalNanos: 130 * ms)   // late
        recorder.record(transportSequence: 4, arrivalNanos: 131 * ms)
        XCTAssertTrue(recorder.hasPendingFeedback)
        let second = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 220 * ms)
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(second[0].baseSequenceNumber, 2)
        let decoded = decode(second)
        XCTAssertEqual(Set(decoded.received.keys), [2, 3, 4])
        XCTAssertTrue(decoded.lost.isEmpty)
        // Duplicates keep the first arrival.
        recorder.record(transportSequence: 4, arrivalNanos: 500 * ms)
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 600 * ms), [])
    }

    func testLargeBatchSplitsBySize() {
        var config = TransportWideCCRecorder.Configuration()
        config.maxReceivedPerFeedback = 400
        var recorder = TransportWideCCRecorder(configuration: config)
        for i in 0..<1000 {
            recorder.record(transportSequence: UInt16(truncatingIfNeeded: 65000 + i), arrivalNanos: 50 * ms + UInt64(i) * 100_000)
        }
        let feedback = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: 200 * ms)
        XCTAssertEqual(feedback.map(\.packets.count), [400, 400, 200])
        XCTAssertEqual(feedback.map(\.baseSequenceNumber), [65000, UInt16(truncatingIfNeeded: 65400), UInt16(truncatingIfNeeded: 65800)])
        let decoded = decode(feedback)
        XCTAssertEqual(decoded.received.count, 1000)
        XCTAssertEqual(decoded.received[65000 + 999], Int64((50 * ms + 999 * 100_000) / 250_000))
        roundTrip(feedback)
    }

    func testReferenceTimeWrapsAs24BitSigned() {
        // 7 days of uptime: 64 ms units exceed 2^23, so the 24-bit field reads back negative.
        var recorder = TransportWideCCRecorder()
        let t0: UInt64 = 7 * 24 * 3600 * 1_000 * ms
        recorder.record(transportSequence: 1, arrivalNanos: t0)
        recorder.record(transportSequence: 2, arrivalNanos: t0 + 3 * ms)
        let feedback = recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2, nowNanos: t0 + 100 * ms)
        XCTAssertEqual(feedback.count, 1)
        let units = Int64(t0 / (64 * ms))
        XCTAssertEqual(Int64(feedback[0].referenceTime) & 0xFF_FFFF, units & 0xFF_FFFF)
        XCTAssertLessThan(feedback[0].referenceTime, 0)
        roundTrip(feedback)
    }
}
