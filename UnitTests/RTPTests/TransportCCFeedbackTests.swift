import XCTest
@testable import RTP

final class TransportCCFeedbackTests: XCTestCase {
    func roundTrip(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> TransportCCFeedback {
        let packets = try RTCPCompound.parse(bytes)
        guard packets.count == 1, case .transportCC(let feedback) = packets[0] else {
            XCTFail("expected one TWCC packet, got \(packets)", file: file, line: line)
            throw RTCPError.malformed("test")
        }
        XCTAssertEqual(hex(RTCPCompound.serialize(packets)), hex(bytes), file: file, line: line)
        return feedback
    }

    // pion/rtcp transport_layer_cc_test.go, TestTransportLayerCC_Unmarshal/Marshal "example1":
    // one run-length chunk (1 × small delta), delta 0x94 = 148 ticks = 37 ms, padding count 1.
    func testPionExample1() throws {
        let fb = try roundTrip([0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
                                0x00, 0x99, 0x00, 0x01, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01])
        XCTAssertEqual(fb, TransportCCFeedback(senderSSRC: 4_195_875_351, mediaSSRC: 1_124_282_272, baseSequenceNumber: 153,
                                               referenceTime: 4_057_090, feedbackPacketCount: 23,
                                               packets: [.received(deltaTicks: 148)]))
    }

    // pion "example4": run-length chunk of 7 small deltas, 3 bytes of padding.
    func testPionExample4() throws {
        let fb = try roundTrip([0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb,
                                0x00, 0x04, 0x00, 0x07, 0x10, 0x63, 0x6e, 0x01, 0x20, 0x07, 0x4c, 0x24,
                                0x24, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x00, 0x03])
        XCTAssertEqual(fb.baseSequenceNumber, 4)
        XCTAssertEqual(fb.referenceTime, 1_074_030)
        XCTAssertEqual(fb.feedbackPacketCount, 1)
        XCTAssertEqual(fb.packets, [76, 36, 36, 16, 12, 12, 16].map { .received(deltaTicks: $0) })
    }

    // pion Marshal "example5": one-bit status vector with trailing not-received, padding 2.
    func testPionMarshalExample5OneBitVector() throws {
        let fb = try roundTrip([0xaf, 0xcd, 0x00, 0x06, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb,
                                0x00, 0x01, 0x00, 0x0e, 0x10, 0x63, 0x6d, 0x00, 0xba, 0x00, 0x10, 0x0c,
                                0x0c, 0x10, 0x00, 0x02])
        let r: (Int16) -> TransportCCFeedback.PacketStatus = { .received(deltaTicks: $0) }
        XCTAssertEqual(fb.packets, [r(16), r(12), r(12), .notReceived, r(16)]
                       + Array(repeating: .notReceived, count: 9))
    }

    // pion Marshal "example6": 12 statuses in a one-bit vector, 3 bytes of padding.
    func testPionMarshalExample6() throws {
        let fb = try roundTrip([0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
                                0x9c, 0x14, 0x00, 0x0c, 0x75, 0x84, 0x20, 0x00, 0xbe, 0xc0, 0xc1, 0x3f,
                                0x3b, 0x3f, 0x53, 0x90, 0x3b, 0x00, 0x00, 0x03])
        XCTAssertEqual(fb.baseSequenceNumber, 39956)
        XCTAssertEqual(fb.packets.count, 12)
        XCTAssertEqual(fb.packets[5], .notReceived)
        XCTAssertEqual(fb.packets[0], .received(deltaTicks: 0xc1))
    }

    // pion "example6" (Unmarshal): two-bit vector then a run-length chunk longer than the
    // remaining count (clamped, as libwebrtc does); one large delta of 265 ticks.
    func testPionUnmarshalExample6ClampsRunLength() throws {
        let bytes: [UInt8] = [0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc,
                              0x85, 0x3c, 0x00, 0x09, 0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30,
                              0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01]
        guard case .transportCC(let fb) = try RTCPCompound.parse(bytes)[0] else { return XCTFail() }
        let r: (Int16) -> TransportCCFeedback.PacketStatus = { .received(deltaTicks: $0) }
        XCTAssertEqual(fb.packets, [r(0x9b), r(0xaa), r(0x6a), r(0xaa), r(0x7b), .notReceived, r(265), .notReceived, .notReceived])
        XCTAssertEqual(fb.referenceTime, 6_551_830)
        XCTAssertEqual(fb.feedbackPacketCount, 179)
    }

    // pion "example7": empty feedback (status count 0), no padding.
    func testEmptyFeedback() throws {
        let fb = try roundTrip([0x8f, 0xcd, 0x00, 0x04, 0x9a, 0xcb, 0x04, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(fb.packets, [])
    }

    func testRejectsReservedSymbolAndTruncation() throws {
        // Run-length chunk with symbol 3 (reserved, draft §3.1.1); libwebrtc rejects it too.
        let reserved: [UInt8] = [0x8f, 0xcd, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x01, 0, 0]
        XCTAssertThrowsError(try RTCPCompound.parseStrict(reserved))
        XCTAssertEqual(try RTCPCompound.parse(reserved), [.unknown(packetType: 205, format: 15, bytes: reserved)])
        // pion "example8": status count 3 but deltas missing.
        let short: [UInt8] = [0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
                              0x00, 0x99, 0x00, 0x03, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x03, 0x94, 0x01]
        XCTAssertThrowsError(try RTCPCompound.parseStrict(short))
        // A bad TWCC does not hide the PLI after it.
        let pli: [UInt8] = [0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]
        let packets = try RTCPCompound.parse(short + pli)
        XCTAssertEqual(packets.count, 2)
        XCTAssertEqual(packets.last, .pictureLossIndication(PictureLossIndication(senderSSRC: 1, mediaSSRC: 2)))
    }

    func testNegativeReferenceTimeAndLargeDeltas() throws {
        let fb = TransportCCFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65530, referenceTime: -3,
                                     feedbackPacketCount: 255,
                                     packets: [.received(deltaTicks: -1), .received(deltaTicks: 300), .notReceived,
                                               .received(deltaTicks: 0), .received(deltaTicks: 32767),
                                               .received(deltaTicks: -32768), .received(deltaTicks: 255)])
        let bytes = RTCPCompound.serialize([.transportCC(fb)])
        XCTAssertEqual(bytes.count % 4, 0)
        XCTAssertEqual(Array(bytes[16..<19]), [0xFF, 0xFF, 0xFD])
        XCTAssertEqual(try RTCPCompound.parse(bytes), [.transportCC(fb)])
    }

    /// Chunk choice follows libwebrtc's LastChunk (transport_feedback.cc).
    func testChunkEncodingMatchesLibwebrtcChoices() {
        // 7 mixed symbols with a large delta → one two-bit vector.
        XCTAssertEqual(TransportCCFeedback.encodeChunks([1, 2, 0, 1, 1, 1, 1]),
                       [0xC000 | 1 << 12 | 2 << 10 | 0 << 8 | 1 << 6 | 1 << 4 | 1 << 2 | 1])
        // 14 small/not-received mixed → one one-bit vector.
        XCTAssertEqual(TransportCCFeedback.encodeChunks([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]), [0xAAAA])
        // Long runs → run-length chunks, split at 0x1FFF.
        XCTAssertEqual(TransportCCFeedback.encodeChunks(Array(repeating: 1, count: 100)), [0x2000 | 100])
        XCTAssertEqual(TransportCCFeedback.encodeChunks(Array(repeating: 0, count: 0x1FFF + 5)), [0x1FFF, 5])
        // 8 symbols with a large one → two-bit vector of 7, then the rest encoded last.
        XCTAssertEqual(TransportCCFeedback.encodeChunks([2, 1, 1, 1, 1, 1, 1, 1]),
                       [0xC000 | 2 << 12 | 1 << 10 | 1 << 8 | 1 << 6 | 1 << 4 | 1 << 2 | 1, 0x2001])
        // Run of 20 small then one not-received: run chunk 20, then run chunk 1 of 0.
        XCTAssertEqual(TransportCCFeedback.encodeChunks(Array(repeating: 1, count: 20) + [0]), [0x2000 | 20, 0x0001])
    }

    func testRandomRoundTrips() throws {
        var rng = XorShift(seed: 42)
        for _ in 0..<300 {
            let count = Int.random(in: 0...400, using: &rng)
            var packets: [TransportCCFeedback.PacketStatus] = []
            let style = Int.random(in: 0...3, using: &rng)
            for _ in 0..<count {
                switch (style, Int.random(in: 0...9, using: &rng)) {
                case (0, _): packets.append(.received(deltaTicks: Int16.random(in: 0...255, using: &rng)))
                case (1, 0...2): packets.append(.notReceived)
                case (2, 0): packets.append(.received(deltaTicks: Int16.random(in: Int16.min...Int16.max, using: &rng)))
                case (3, 0...6): packets.append(.notReceived)
                default: packets.append(.received(deltaTicks: Int16.random(in: 0...255, using: &rng)))
                }
            }
            let fb = TransportCCFeedback(senderSSRC: rng.next32(), mediaSSRC: rng.next32(),
                                         baseSequenceNumber: UInt16.random(in: 0...UInt16.max, using: &rng),
                                         referenceTime: Int32.random(in: -0x80_0000...0x7F_FFFF, using: &rng),
                                         feedbackPacketCount: UInt8.random(in: 0...255, using: &rng), packets: packets)
            let bytes = RTCPCompound.serialize([.transportCC(fb)])
            XCTAssertEqual(bytes.count % 4, 0)
            let parsed = try RTCPCompound.parse(bytes)
            XCTAssertEqual(parsed, [.transportCC(fb)])
            XCTAssertEqual(RTCPCompound.serialize(parsed), bytes)
        }
    }
}

extension XorShift {
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
}
