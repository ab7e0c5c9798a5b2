import XCTest
@testable import RTP

final class RTPPacketWriterTests: XCTestCase {
    func testWriterOutputReparsesWithOneByteExtensions() throws {
        var extensions = RTPExtensionElements()
        XCTAssertTrue(extensions.append(id: 4, string: "0"))
        XCTAssertTrue(extensions.append(id: 2, absSendTime: 0x12_3456))
        XCTAssertTrue(extensions.append(id: 3, transportSequenceNumber: 0xABCD))
        XCTAssertTrue(extensions.append(id: 1, audioLevel: AudioLevel(voiceActivity: true, level: 30)))
        let payload: [UInt8] = Array(0..<100)
        let writer = RTPPacketWriter(payloadType: 111, sequenceNumber: 1000, timestamp: 48000, ssrc: 0x1234_5678,
                                     marker: true, extensions: extensions)
        var out = [UInt8](repeating: 0xEE, count: 1500)
        let length = try XCTUnwrap(payload.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { writer.write(payload: source, into: $0) }
        })
        // 12 header + 4 ext header + (1+1)+(1+3)+(1+2)+(1+1)=11 → 12 → 28 + 100.
        XCTAssertEqual(length, 128)
        XCTAssertEqual(writer.packetLength(payloadLength: 100), 128)
        let packet = Array(out.prefix(length))
        let header = try XCTUnwrap(parseRTP(packet))
        XCTAssertEqual(header.payloadType, 111)
        XCTAssertEqual(header.sequenceNumber, 1000)
        XCTAssertEqual(header.timestamp, 48000)
        XCTAssertEqual(header.ssrc, 0x1234_5678)
        XCTAssertTrue(header.marker)
        XCTAssertTrue(header.hasOneByteExtensions)
        XCTAssertEqual(Array(packet[header.payloadRange]), payload)
        packet.withUnsafeBytes { p in
            XCTAssertEqual(header.extensionElement(id: 4, in: p).flatMap { RTPExtensionValue.string(p, $0) }, "0")
            XCTAssertEqual(header.extensionElement(id: 4, in: p).map { RTPExtensionValue.stringEquals(p, $0, "0") }, true)
            XCTAssertEqual(header.extensionElement(id: 4, in: p).map { RTPExtensionValue.stringEquals(p, $0, "01") }, false)
            XCTAssertEqual(header.extensionElement(id: 2, in: p).flatMap { RTPExtensionValue.absSendTime(p, $0) }, 0x12_3456)
            XCTAssertEqual(header.extensionElement(id: 3, in: p).flatMap {
                RTPExtensionValue.transportSequenceNumber(p, $0) }, 0xABCD)
            XCTAssertEqual(header.extensionElement(id: 1, in: p).flatMap { RTPExtensionValue.audioLevel(p, $0) },
                           AudioLevel(voiceActivity: true, level: 30))
        }
        // The exact encoding of the one-byte block (RFC 8285 §4.2).
        XCTAssertEqual(Array(packet[12..<28]), [0xBE, 0xDE, 0x00, 0x03,
                                                0x40, 0x30, 0x22, 0x12, 0x34, 0x56, 0x31, 0xAB, 0xCD, 0x10, 0x9E, 0x00])
    }

    func testWriterFallsBackToTwoByteForm() throws {
        var extensions = RTPExtensionElements()
        XCTAssertTrue(extensions.append(id: 20, transportSequenceNumber: 7))
        XCTAssertTrue(extensions.append(id: 5, string: String(repeating: "x", count: 17)))
        XCTAssertTrue(extensions.requiresTwoByteForm)
        let writer = RTPPacketWriter(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensions: extensions,
                                     paddingLength: 5)
        var out = [UInt8](repeating: 0, count: 200)
        let payload: [UInt8] = [1, 2, 3]
        let length = try XCTUnwrap(payload.withUnsafeBytes { s in out.withUnsafeMutableBytes { writer.write(payload: s, into: $0) } })
        let packet = Array(out.prefix(length))
        let header = try XCTUnwrap(parseRTP(packet))
        XCTAssertTrue(header.hasTwoByteExtensions)
        XCTAssertTrue(header.padding)
        XCTAssertEqual(header.paddingLength, 5)
        XCTAssertEqual(Array(packet[header.payloadRange]), payload)
        packet.withUnsafeBytes { p in
            XCTAssertEqual(header.extensionElement(id: 20, in: p).flatMap { RTPExtensionValue.transportSequenceNumber(p, $0) }, 7)
            XCTAssertEqual(header.extensionElement(id: 5, in: p)?.count, 17)
        }
    }

    func testWriterRejectsTooSmallBufferAndNoExtensions() throws {
        let writer = RTPPacketWriter(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3)
        let payload = [UInt8](repeating: 7, count: 20)
        var small = [UInt8](repeating: 0, count: 31)
        XCTAssertNil(payload.withUnsafeBytes { s in small.withUnsafeMutableBytes { writer.write(payload: s, into: $0) } })
        var exact = [UInt8](repeating: 0, count: 32)
        XCTAssertEqual(payload.withUnsafeBytes { s in exact.withUnsafeMutableBytes { writer.write(payload: s, into: $0) } }, 32)
        XCTAssertEqual(exact[0], 0x80)
        XCTAssertEqual(parseRTP(exact)?.hasExtension, false)
    }

    func testInPlaceRewriteWithDifferentExtensions() throws {
        // A publisher packet with a one-byte block (mid id 1 = "a"), rewritten in place with a
        // subscriber's larger block: the payload moves with memmove semantics.
        var buffer = [UInt8](repeating: 0, count: 300)
        let original: [UInt8] = [0x90, 0x60, 0x00, 0x05, 0, 0, 0, 9, 0, 0, 0, 1,
                                 0xBE, 0xDE, 0x00, 0x01, 0x10, 0x61, 0x00, 0x00] + Array(100..<180)
        buffer.replaceSubrange(0..<original.count, with: original)
        let header = try XCTUnwrap(parseRTP(original))
        var extensions = RTPExtensionElements()
        extensions.append(id: 9, string: "video-mid")
        extensions.append(id: 3, transportSequenceNumber: 42)
        extensions.append(id: 2, absSendTime: 1)
        let writer = RTPPacketWriter(payloadType: 100, sequenceNumber: 77, timestamp: 1234, ssrc: 0xFEED,
                                     extensions: extensions)
        let length = try XCTUnwrap(buffer.withUnsafeMutableBytes { raw in
            let payload = UnsafeRawBufferPointer(rebasing: raw[header.payloadRange])
            return writer.write(payload: payload, into: raw)
        })
        let rewritten = Array(buffer.prefix(length))
        let newHeader = try XCTUnwrap(parseRTP(rewritten))
        XCTAssertEqual(Array(rewritten[newHeader.payloadRange]), Array(100..<180))
        XCTAssertEqual(newHeader.ssrc, 0xFEED)
        rewritten.withUnsafeBytes { p in
            XCTAssertEqual(newHeader.extensionElement(id: 9, in: p).flatMap { RTPExtensionValue.string(p, $0) }, "video-mid")
        }
    }

    func testExtensionListCapacity() {
        var list = RTPExtensionElements()
        for i in 1...8 { XCTAssertTrue(list.append(id: UInt8(i), transportSequenceNumber: 1)) }
        XCTAssertFalse(list.append(id: 9, transportSequenceNumber: 1))
        list.removeAll()
        XCTAssertTrue(list.isEmpty)
        let big = [UInt8](repeating: 1, count: 129)
        big.withUnsafeBytes { XCTAssertFalse(list.append(id: 1, bytes: $0)) }
        XCTAssertFalse(list.append(id: 0, transportSequenceNumber: 1))
        let chunk = [UInt8](repeating: 1, count: 64)
        chunk.withUnsafeBytes {
            XCTAssertTrue(list.append(id: 1, bytes: $0))
            XCTAssertTrue(list.append(id: 2, bytes: $0))
            XCTAssertFalse(list.append(id: 3, bytes: UnsafeRawBufferPointer(rebasing: $0[0..<1])))
        }
        list.withValue(at: 1) { XCTAssertEqual(Array($0), chunk) }
        XCTAssertEqual(list.id(at: 1), 2)
    }

    func testRTXRoundTrip() throws {
        // Original: CSRC, one-byte extension, payload, RTP padding.
        let original: [UInt8] = [0xB1, 0xE0, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
                                 0x55, 0x66, 0x77, 0x88,
                                 0xBE, 0xDE, 0x00, 0x01, 0x31, 0x01, 0x02, 0x00,
                                 0xA0, 0xA1, 0xA2, 0xA3, 0xA4,
                                 0x00, 0x02]
        var rtx = [UInt8](repeating: 0, count: 64)
        let rtxLength = try XCTUnwrap(original.withUnsafeBytes { o in
            rtx.withUnsafeMutableBytes { RTX.build(from: o, rtxSSRC: 0xAAAA_BBBB, rtxPayloadType: 97,
                                                    rtxSequenceNumber: 5, into: $0) }
        })
        let rtxPacket = Array(rtx.prefix(rtxLength))
        let rtxHeader = try XCTUnwrap(parseRTP(rtxPacket))
        XCTAssertEqual(rtxHeader.ssrc, 0xAAAA_BBBB)
        XCTAssertEqual(rtxHeader.payloadType, 97)
        XCTAssertEqual(rtxHeader.sequenceNumber, 5)
        XCTAssertEqual(rtxHeader.timestamp, 0x0001_0000)
        XCTAssertTrue(rtxHeader.marker)
        XCTAssertFalse(rtxHeader.padding)
        XCTAssertEqual(Array(rtxPacket[rtxHeader.payloadRange]), [0x10, 0x00, 0xA0, 0xA1, 0xA2, 0xA3, 0xA4])
        XCTAssertEqual(rtxPacket.withUnsafeBytes { RTX.originalSequenceNumber(of: $0) }, 0x1000)

        var recovered = [UInt8](repeating: 0, count: 64)
        let recoveredLength = try XCTUnwrap(rtxPacket.withUnsafeBytes { r in
            recovered.withUnsafeMutableBytes { RTX.recover(from: r, originalSSRC: 0x1122_3344, originalPayloadType: 96,
                                                          into: $0) }
        })
        // Identical to the original minus its padding (and with P cleared).
        var expected = Array(original.prefix(original.count - 2))
        expected[0] &= ~0x20
        XCTAssertEqual(Array(recovered.prefix(recoveredLength)), expected)

        // In place, both directions.
        var buffer = [UInt8](repeating: 0, count: 64)
        buffer.replaceSubrange(0..<original.count, with: original)
        let inPlaceLength = try XCTUnwrap(buffer.withUnsafeMutableBytes { raw in
            RTX.build(from: UnsafeRawBufferPointer(rebasing: raw[0..<original.count]), rtxSSRC: 0xAAAA_BBBB,
                      rtxPayloadType: 97, rtxSequenceNumber: 5, into: raw)
        })
        XCTAssertEqual(Array(buffer.prefix(inPlaceLength)), rtxPacket)
        let backLength = try XCTUnwrap(buffer.withUnsafeMutableBytes { raw in
            RTX.recover(from: UnsafeRawBufferPointer(rebasing: raw[0..<inPlaceLength]), originalSSRC: 0x1122_3344,
                        originalPayloadType: 96, into: raw)
        })
        XCTAssertEqual(Array(buffer.prefix(backLength)), expected)

        // An RTX padding-only packet (no OSN) is not recoverable.
        let paddingOnly: [UInt8] = [0xA0, 97, 0, 6, 0, 0, 0, 0, 0xAA, 0xAA, 0xBB, 0xBB, 0, 0, 0, 4]
        XCTAssertNil(paddingOnly.withUnsafeBytes { r in
            recovered.withUnsafeMutableBytes { RTX.recover(from: r, originalSSRC: 1, originalPayloadType: 96, into: $0) }
        })
    }

    func testWriterRTXOriginalSequenceNumber() throws {
        let writer = RTPPacketWriter(payloadType: 97, sequenceNumber: 9, timestamp: 1, ssrc: 2,
                                     rtxOriginalSequenceNumber: 0x0102)
        var out = [UInt8](repeating: 0, count: 40)
        let payload: [UInt8] = [9, 9]
        let length = try XCTUnwrap(payload.withUnsafeBytes { s in out.withUnsafeMutableBytes { writer.write(payload: s, into: $0) } })
        XCTAssertEqual(Array(out.prefix(length)), [0x80, 97, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 9, 9])
    }

    func testAbsSendTimeAndAudioLevel() {
        XCTAssertEqual(AbsSendTime.fromNanos(0), 0)
        XCTAssertEqual(AbsSendTime.fromNanos(1_000_000_000), 1 << 18)
        XCTAssertEqual(AbsSendTime.fromNanos(500_000_000), 1 << 17)
        XCTAssertEqual(AbsSendTime.fromNanos(64_000_000_000), 0)  // wraps every 64 s
        XCTAssertEqual(AbsSendTime.fromNanos(63_999_999_999), 0xFF_FFFF)
        XCTAssertEqual(AbsSendTime.toNanos(1 << 17), 500_000_000)
        XCTAssertEqual(AudioLevel(byte: 0x9E), AudioLevel(voiceActivity: true, level: 30))
        XCTAssertEqual(AudioLevel(voiceActivity: false, level: 127).byte, 0x7F)
    }
}
