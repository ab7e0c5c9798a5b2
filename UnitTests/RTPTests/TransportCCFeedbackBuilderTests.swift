import XCTest
@testable import RTP

final class TransportCCFeedbackBuilderTests: XCTestCase {
    func testBuildsDeltasLikeLibwebrtc() throws {
        var builder = TransportCCFeedbackBuilder(senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 9)
        XCTAssertNil(builder.build())
        XCTAssertTrue(builder.addReceived(sequenceNumber: 65534, arrivalMicros: 1_000_000))
        XCTAssertTrue(builder.addReceived(sequenceNumber: 65535, arrivalMicros: 1_010_000))
        XCTAssertTrue(builder.addReceived(sequenceNumber: 1, arrivalMicros: 1_009_000))     // gap of 1, negative delta
        XCTAssertTrue(builder.addReceived(sequenceNumber: 2, arrivalMicros: 1_100_000))     // large delta
        XCTAssertTrue(builder.addReceived(sequenceNumber: 3, arrivalMicros: 1_100_125))     // rounds to 1 tick
        XCTAssertFalse(builder.addReceived(sequenceNumber: 3, arrivalMicros: 1_200_000))    // duplicate
        XCTAssertFalse(builder.addReceived(sequenceNumber: 2, arrivalMicros: 1_200_000))    // older
        XCTAssertFalse(builder.addReceived(sequenceNumber: 4, arrivalMicros: 1_100_125 + 9_000_000))  // > Int16 ticks
        let fb = try XCTUnwrap(builder.build())
        // Reference time: floor(1 s / 64 ms) = 15 → 960 ms; first delta 40 ms = 160 ticks.
        XCTAssertEqual(fb.referenceTime, 15)
        XCTAssertEqual(fb.baseSequenceNumber, 65534)
        XCTAssertEqual(fb.feedbackPacketCount, 9)
        XCTAssertEqual(fb.packets, [.received(deltaTicks: 160), .received(deltaTicks: 40), .notReceived,
                                    .received(deltaTicks: -4), .received(deltaTicks: 364), .received(deltaTicks: 1)])
        let arrivals = fb.arrivals()
        XCTAssertEqual(arrivals.map(\.sequenceNumber), [65534, 65535, 0, 1, 2, 3])
        XCTAssertEqual(arrivals.map(\.arrivalMicros), [1_000_000, 1_010_000, nil, 1_009_000, 1_100_000, 1_100_250])
        // And it survives the wire.
        XCTAssertEqual(try RTCPCompound.parse(RTCPCompound.serialize([.transportCC(fb)])), [.transportCC(fb)])
    }

    func testRespectsMaxPacketSize() throws {
        var builder = TransportCCFeedbackBuilder(senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 0, maxPacketBytes: 48)
        var added = 0
        var seq: UInt16 = 10
        var time: Int64 = 5_000_000
        // Alternate small/large deltas so chunks and deltas both grow.
        while builder.addReceived(sequenceNumber: seq, arrivalMicros: time) {
            added += 1
            seq &+= 1
            time += added % 2 == 0 ? 100_000 : 1_000
            XCTAssertLessThan(added, 100)
        }
        let fb = try XCTUnwrap(builder.build())
        XCTAssertEqual(fb.packets.count, added)
        let bytes = RTCPCompound.serialize([.transportCC(fb)])
        XCTAssertLessThanOrEqual(bytes.count, 48)
        XCTAssertEqual(try RTCPCompound.parse(bytes), [.transportCC(fb)])
    }

    func testLongLossRunsAndManyPackets() throws {
        var builder = TransportCCFeedbackBuilder(senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 0, maxPacketBytes: 1200)
        var rng = XorShift(seed: 99)
        var seq: UInt16 = 40000
        var time: Int64 = 77_000_000
        var count = 0
        while true {
            seq &+= UInt16(Int.random(in: 0...10, using: &rng) == 0 ? Int.random(in: 2...40, using: &rng) : 1)
            time += Int64.random(in: 0...30_000, using: &rng)
            guard builder.addReceived(sequenceNumber: seq, arrivalMicros: time) else { break }
            count += 1
        }
        XCTAssertGreaterThan(count, 100)
        let fb = try XCTUnwrap(builder.build())
        let bytes = RTCPCompound.serialize([.transportCC(fb)])
        XCTAssertLessThanOrEqual(bytes.count, 1200)
        XCTAssertEqual(try RTCPCompound.parse(bytes), [.transportCC(fb)])
    }
}
