import XCTest
@testable import RTP

final class RTCPTests: XCTestCase {
    /// Parses, checks the single packet, serializes and requires identical bytes.
    @discardableResult
    func assertRoundTrip(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> RTCPPacket {
        let packets = try RTCPCompound.parse(bytes)
        XCTAssertEqual(packets.count, 1, file: file, line: line)
        let packet = try XCTUnwrap(packets.first, file: file, line: line)
        XCTAssertEqual(hex(RTCPCompound.serialize(packets)), hex(bytes), file: file, line: line)
        return packet
    }

    // pion/rtcp packet_test.go realPacket(): "An RTCP packet from a packet dump" (Firefox-style
    // {uuid} CNAME): RR, SDES, BYE, PLI, RTPFB FMT=5 (RRR), APP.
    let pionRealPacket: [UInt8] = [
        0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79,
        0x81, 0xca, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x26,
        0x7b, 0x39, 0x63, 0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39,
        0x64, 0x34, 0x39, 0x2d, 0x61, 0x34, 0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36, 0x34, 0x65, 0x65,
        0x65, 0x36, 0x39, 0x66, 0x35, 0x7d, 0x00, 0x00, 0x00, 0x00,
        0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f, 0x9e, 0x2e,
        0x81, 0xce, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e,
        0x85, 0xcd, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e,
        0x80, 0xcc, 0x00, 0x03, 0x4b, 0xaa, 0xe1, 0xab, 0x4e, 0x41, 0x4d, 0x45, 0x41, 0x42, 0x43, 0x44,
    ]

    func testPionRealCompoundPacket() throws {
        let packets = try RTCPCompound.parse(pionRealPacket)
        XCTAssertEqual(packets.count, 6)
        XCTAssertEqual(packets[0], .receiverReport(ReceiverReport(ssrc: 0x902f_9e2e, reports: [
            ReportBlock(ssrc: 0xbc5e_9a40, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 0x46e1,
                        jitter: 273, lastSenderReport: 0x09f3_6432, delaySinceLastSenderReport: 150_137),
        ])))
        guard case .sourceDescription(let sdes) = packets[1] else { return XCTFail("expected SDES") }
        XCTAssertEqual(sdes.chunks.count, 1)
        XCTAssertEqual(sdes.chunks[0].ssrc, 0x902f_9e2e)
        XCTAssertEqual(sdes.chunks[0].cname, "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")
        XCTAssertEqual(packets[2], .goodbye(Goodbye(ssrcs: [0x902f_9e2e])))
        XCTAssertEqual(packets[3], .pictureLossIndication(PictureLossIndication(senderSSRC: 0x902f_9e2e,
                                                                                mediaSSRC: 0x902f_9e2e)))
        XCTAssertEqual(packets[4], .unknown(packetType: 205, format: 5, bytes: Array(pionRealPacket[104..<116])))
        XCTAssertEqual(packets[5], .unknown(packetType: 204, format: 0, bytes: Array(pionRealPacket[116...])))
        XCTAssertEqual(RTCPCompound.serialize(packets), pionRealPacket)
        // Reduced-size (RFC 5506): a lone PLI parses on its own.
        try assertRoundTrip(Array(pionRealPacket[92..<104]))
    }

    func testSenderReport() throws {
        // pion/rtcp sender_report_test.go "valid".
        let bytes: [UInt8] = [
            0x81, 0xc8, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xda, 0x8b, 0xd1, 0xfc, 0xdd, 0xdd, 0xa0, 0x5a,
            0xaa, 0xf4, 0xed, 0xd5, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
            0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11,
            0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79,
        ]
        // pion's bytes say length 7 (32 bytes) though RC=1 needs 52: the 32-byte SR is
        // malformed. Strict parsing throws; lenient parsing keeps it as .unknown.
        let first32 = Array(bytes.prefix(32))
        XCTAssertThrowsError(try RTCPCompound.parseStrict(first32))
        XCTAssertEqual(try RTCPCompound.parse(first32), [.unknown(packetType: 200, format: 1, bytes: first32)])
        var fixed = bytes
        fixed[3] = 0x0c  // 13 words = 52 bytes, as the content really is
        let packet = try assertRoundTrip(fixed)
        XCTAssertEqual(packet, .senderReport(SenderReport(
            ssrc: 0x902f_9e2e, ntpTimestamp: 0xda8b_d1fc_dddd_a05a, rtpTimestamp: 0xaaf4_edd5, packetCount: 1,
            octetCount: 2, reports: [ReportBlock(ssrc: 0xbc5e_9a40, extendedHighestSequence: 0x46e1, jitter: 273,
                                                 lastSenderReport: 0x09f3_6432, delaySinceLastSenderReport: 150_137)])))
    }

    func testSenderReportWithProfileExtensionIsAccepted() throws {
        // pion/rtcp sender_report_test.go "with extension" (pion issue 447): RC=0, 28 trailing bytes.
        let bytes: [UInt8] = [
            0x80, 0xc8, 0x00, 0x06, 0x2b, 0x7e, 0xc0, 0xc5, 0xe0, 0x20, 0xa2, 0xa9, 0x52, 0xa5, 0x3f, 0xc0,
            0x2e, 0x48, 0xa5, 0x52, 0x00, 0x00, 0x00, 0x46, 0x00, 0x00, 0x12, 0x1d,
        ]
        let packets = try RTCPCompound.parse(bytes)
        XCTAssertEqual(packets, [.senderReport(SenderReport(ssrc: 0x2b7e_c0c5, ntpTimestamp: 0xe020_a2a9_52a5_3fc0,
                                                            rtpTimestamp: 0x2e48_a552, packetCount: 70, octetCount: 4637))])
        XCTAssertEqual(RTCPCompound.serialize(packets), bytes)
    }

    func testReportBlockNegativeCumulativeLost() throws {
        let rr = ReceiverReport(ssrc: 1, reports: [ReportBlock(ssrc: 2, fractionLost: 3, cumulativeLost: -5)])
        let bytes = RTCPCompound.serialize([.receiverReport(rr)])
        XCTAssertEqual(Array(bytes[12..<16]), [0x03, 0xFF, 0xFF, 0xFB])
        XCTAssertEqual(try RTCPCompound.parse(bytes), [.receiverReport(rr)])
        // Clamped to 24 bits.
        let big = ReceiverReport(ssrc: 1, reports: [ReportBlock(ssrc: 2, cumulativeLost: 0x0100_0000)])
        guard case .receiverReport(let parsed) = try RTCPCompound.parse(RTCPCompound.serialize([.receiverReport(big)]))[0]
        else { return XCTFail() }
        XCTAssertEqual(parsed.reports[0].cumulativeLost, 0x7F_FFFF)
    }

    func testEmptyReceiverReport() throws {
        let bytes: [UInt8] = [0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07]
        XCTAssertEqual(try assertRoundTrip(bytes), .receiverReport(ReceiverReport(ssrc: 7)))
    }

    func testSourceDescriptionMultipleItemsAndChunks() throws {
        let sdes = SourceDescription(chunks: [
            SourceDescription.Chunk(ssrc: 1, items: [SourceDescription.Item(type: 1, text: "abc"),
                                                     SourceDescription.Item(type: 6, text: "cascade")]),
            SourceDescription.Chunk(ssrc: 2, cname: "xy"),
            SourceDescription.Chunk(ssrc: 3, items: []),
        ])
        let bytes = RTCPCompound.serialize([.sourceDescription(sdes)])
        XCTAssertEqual(bytes.count % 4, 0)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x83, 0xca, 0x00, UInt8(bytes.count / 4 - 1)])
        // Chunk 3 is its SSRC and one word of nulls (RFC 3550 §6.5).
        XCTAssertEqual(Array(bytes.suffix(8)), [0, 0, 0, 3, 0, 0, 0, 0])
        XCTAssertEqual(try assertRoundTrip(bytes), .sourceDescription(sdes))
    }

    func testGoodbyeWithReason() throws {
        let bye = Goodbye(ssrcs: [0x1234_5678, 0x9ABC_DEF0], reason: "bye!!")
        let bytes = RTCPCompound.serialize([.goodbye(bye)])
        XCTAssertEqual(bytes, [0x82, 0xcb, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
                               0x05, 0x62, 0x79, 0x65, 0x21, 0x21, 0x00, 0x00])
        XCTAssertEqual(try assertRoundTrip(bytes), .goodbye(bye))
    }

    func testGenericNACK() throws {
        // pion/rtcp transport_layer_nack_test.go "valid": PID 0xAAAA, BLP 0x5555.
        let bytes: [UInt8] = [0x81, 0xcd, 0x00, 0x03, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e,
                              0xaa, 0xaa, 0x55, 0x55]
        let packet = try assertRoundTrip(bytes)
        guard case .genericNACK(let nack) = packet else { return XCTFail() }
        XCTAssertEqual(nack.lostSequenceNumbers, [0xaaaa, 0xaaab, 0xaaad, 0xaaaf, 0xaab1, 0xaab3, 0xaab5, 0xaab7, 0xaab9])

        // pion's NackPairsFromSequenceNumbers cases.
        XCTAssertTrue(GenericNACK.pack([]).isEmpty)
        XCTAssertEqual(GenericNACK.pack([100, 101, 105, 115]).map(\.blp), [0x4011])
        let pairs = GenericNACK.pack([100, 117, 500, 501, 502])
        XCTAssertEqual(pairs.map(\.pid), [100, 117, 500])
        XCTAssertEqual(pairs.map(\.blp), [0, 0, 3])
        // Wraparound stays in one pair: 65535, 0, 1.
        let wrap = GenericNACK.pack([65535, 0, 1])
        XCTAssertEqual(wrap.map(\.pid), [65535])
        XCTAssertEqual(wrap.map(\.blp), [3])
        let roundTrip = GenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [65535, 0, 1, 40, 56])
        XCTAssertEqual(try RTCPCompound.parse(RTCPCompound.serialize([.genericNACK(roundTrip)])), [.genericNACK(roundTrip)])
    }

    func testFullIntraRequest() throws {
        // pion/rtcp full_intra_request_test.go "also valid" (two entries).
        let bytes: [UInt8] = [0x84, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x4b, 0xc4, 0xfc, 0xb4,
                              0x12, 0x34, 0x56, 0x78, 0x42, 0x00, 0x00, 0x00, 0x98, 0x76, 0x54, 0x32, 0x57, 0x00, 0x00, 0x00]
        XCTAssertEqual(try assertRoundTrip(bytes), .fullIntraRequest(FullIntraRequest(
            senderSSRC: 0, mediaSSRC: 0x4bc4_fcb4,
            entries: [.init(ssrc: 0x1234_5678, sequenceNumber: 0x42), .init(ssrc: 0x9876_5432, sequenceNumber: 0x57)])))
    }

    func testREMBFromChrome() throws {
        // pion/rtcp receiver_estimated_maximum_bitrate_test.go: "Real data sent by Chrome while
        // watching a 6Mb/s stream": exp 6, mantissa 139487.
        let bytes: [UInt8] = [143, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66, 1, 26, 32, 223, 72, 116, 237, 22]
        XCTAssertEqual(try assertRoundTrip(bytes), .remb(ReceiverEstimatedMaxBitrate(
            senderSSRC: 1, bitrateBps: 8_927_168, ssrcs: [1_215_622_422])))
        // Largest value: mantissa 0x3FFFF, exponent 63 (pion's overflow test bytes).
        let max: [UInt8] = [143, 206, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 82, 69, 77, 66, 0, 255, 255, 255]
        guard case .remb(let remb) = try RTCPCompound.parse(max)[0] else { return XCTFail() }
        XCTAssertEqual(remb.bitrateBps, ReceiverEstimatedMaxBitrate.maximumBitrateBps)  // saturated
        XCTAssertEqual(RTCPCompound.serialize([.remb(ReceiverEstimatedMaxBitrate(senderSSRC: 0, bitrateBps: 0x3FFFF << 46,
                                                                                 ssrcs: []))]).suffix(4), [0, 0xBB, 0xFF, 0xFF])
        // Non-REMB application-layer feedback stays unknown.
        var afb = bytes
        afb[12] = 0x41
        guard case .unknown(206, 15, _) = try RTCPCompound.parse(afb)[0] else { return XCTFail() }
    }

    func testSaturatedREMBSerializesToItself() throws {
        // Found by `cascade-fuzz rtcp-remb`: exponent 55 overflows 64 bits; the value it saturated
        // to (UInt64.max) serialized as 0x3FFFF << 46 and so parsed back as another bitrate.
        let bytes: [UInt8] = [0x8f, 206, 0, 5, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                              0x52, 0x45, 0x4d, 0x42, 0x01, 0xdf, 0x74, 0x48, 0x1e, 0x00, 0xed, 0x16]
        let packets = try RTCPCompound.parseStrict(bytes)
        guard case .remb(let remb) = packets.first else { return XCTFail("\(packets)") }
        XCTAssertEqual(remb.bitrateBps, ReceiverEstimatedMaxBitrate.maximumBitrateBps)
        XCTAssertEqual(try RTCPCompound.parseStrict(RTCPCompound.serialize(packets)), packets)
    }

    func testGoodbyeReasonThatIsNotUTF8SerializesToItself() throws {
        // Found by `cascade-fuzz rtcp`: each byte that is not UTF-8 became a 3-byte U+FFFD, the
        // reason outgrew its length byte, and serializing cut it inside a character.
        let found = Array(hexString: """
            81cb002b06007e005afffffffdff9bf900c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c282c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2\
            c2c2c2c2c2c2c2c225c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2ffffff8fffffffffffffffffffffffffffffffffffffffffff85c90007902f9e2ebc\
            5e9a4000000000000046e10000011109f3643000024a7991cb000190010190010081cd000481c99bcd000481c99bf900c2c2c2c201902f0000ff\
            ffff
            """)
        let packets = try RTCPCompound.parseStrict(found)
        guard case .goodbye(let bye) = packets.first else { return XCTFail("\(packets)") }
        XCTAssertLessThanOrEqual(try XCTUnwrap(bye.reason).utf8.count, 255)
        XCTAssertEqual(try RTCPCompound.parseStrict(RTCPCompound.serialize(packets)), packets)
        // A reason of 255 invalid bytes: 85 replacement characters fit.
        let invalid: [UInt8] = [0x81, 203, 0, 65, 0, 0, 0, 1, 255] + [UInt8](repeating: 0xFF, count: 255)
        guard case .goodbye(let long) = try RTCPCompound.parseStrict(invalid).first else { return XCTFail() }
        XCTAssertEqual(long.reason, String(repeating: "\u{FFFD}", count: 85))
    }

    func testCompoundErrors() {
        XCTAssertThrowsError(try RTCPCompound.parse([0x81, 0xc9])) { XCTAssertEqual($0 as? RTCPError, .truncated(needed: 4, available: 2)) }
        XCTAssertThrowsError(try RTCPCompound.parse([0x81, 0xc9, 0x00, 0x64])) { XCTAssertEqual($0 as? RTCPError, .badLength) }
        XCTAssertThrowsError(try RTCPCompound.parse([0x41, 0xc9, 0x00, 0x00])) { XCTAssertEqual($0 as? RTCPError, .badVersion(1)) }
        // Padding bit with a zero count is invalid (libwebrtc rtcp common_header.cc rejects it too).
        XCTAssertThrowsError(try RTCPCompound.parse([0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 0]))
        XCTAssertEqual(try RTCPCompound.parse([]), [])
    }

    func testIsRTCPDemux() {
        // RFC 5761 §4.
        XCTAssertTrue(RTCPCompound.isRTCP(firstByte: 0x81, secondByte: 200))
        XCTAssertTrue(RTCPCompound.isRTCP(firstByte: 0x80, secondByte: 206))
        XCTAssertTrue(RTCPCompound.isRTCP(firstByte: 0x80, secondByte: 223))
        XCTAssertFalse(RTCPCompound.isRTCP(firstByte: 0x80, secondByte: 224))
        XCTAssertFalse(RTCPCompound.isRTCP(firstByte: 0x80, secondByte: 111))
        XCTAssertFalse(RTCPCompound.isRTCP(firstByte: 0x80, secondByte: 0xE0))  // marker + PT 96
        XCTAssertFalse(RTCPCompound.isRTCP(firstByte: 0x00, secondByte: 200))
        let pli = Array(pionRealPacket[92..<104])
        XCTAssertTrue(pli.withUnsafeBytes { RTCPCompound.isRTCP($0) })
        XCTAssertFalse([UInt8(0x80)].withUnsafeBytes { RTCPCompound.isRTCP($0) })
    }

    func testNTPTimestamp() {
        // 2026-01-01T00:00:00.5Z = 1767225600.5 s Unix.
        let ntp = NTPTimestamp(unixNanos: 1_767_225_600_500_000_000)
        XCTAssertEqual(UInt64(ntp.seconds), 1_767_225_600 + 2_208_988_800)
        XCTAssertEqual(ntp.fraction, 0x8000_0000)
        XCTAssertEqual(ntp.unixNanos, 1_767_225_600_500_000_000)
        XCTAssertEqual(ntp.middle32, UInt32(truncatingIfNeeded: ntp.rawValue >> 16))
        XCTAssertEqual(ntp.middle32 & 0xFFFF, 0x8000)
        XCTAssertEqual(NTPTimestamp.compactDuration(nanos: 1_000_000_000), 65536)
        XCTAssertEqual(NTPTimestamp.compactDuration(nanos: 500_000_000), 32768)
        XCTAssertEqual(NTPTimestamp.nanos(fromCompact: 65536), 1_000_000_000)
        // RTT: SR sent at t, RR comes back 300 ms later with DLSR 200 ms → RTT 100 ms.
        let sent = NTPTimestamp(unixNanos: 1_767_225_600_000_000_000)
        let arrival = NTPTimestamp(unixNanos: 1_767_225_600_300_000_000)
        let rtt = NTPTimestamp.roundTripNanos(arrival: arrival, lastSenderReport: sent.middle32,
                                              delaySinceLastSenderReport: NTPTimestamp.compactDuration(nanos: 200_000_000))
        XCTAssertNotNil(rtt)
        XCTAssertLessThan(abs(Int64(rtt ?? 0) - 100_000_000), 100_000)
        XCTAssertNil(NTPTimestamp.roundTripNanos(arrival: arrival, lastSenderReport: 0, delaySinceLastSenderReport: 0))
    }
}
