import XCTest
@testable import RTP

final class RTPHeaderTests: XCTestCase {
    // pion/rtp packet_test.go TestRFC8285OneByteExtension: one one-byte element, id 5, value 0xAA.
    let pionOneByte: [UInt8] = [
        0x90, 0xe0, 0x69, 0x8f, 0xd9, 0xc2, 0x93, 0xda, 0x1c, 0x64,
        0x27, 0x82, 0xBE, 0xDE, 0x00, 0x01, 0x50, 0xAA, 0x00, 0x00,
        0x98, 0x36, 0xbe, 0x88, 0x9e,
    ]

    func testParsesPionOneByteExtensionPacket() throws {
        let header = try XCTUnwrap(parseRTP(pionOneByte))
        XCTAssertEqual(header.version, 2)
        XCTAssertFalse(header.padding)
        XCTAssertTrue(header.hasExtension)
        XCTAssertEqual(header.csrcCount, 0)
        XCTAssertTrue(header.marker)
        XCTAssertEqual(header.payloadType, 96)
        XCTAssertEqual(header.sequenceNumber, 27023)
        XCTAssertEqual(header.timestamp, 3_653_407_706)
        XCTAssertEqual(header.ssrc, 476_325_762)
        XCTAssertEqual(header.extensionProfile, 0xBEDE)
        XCTAssertTrue(header.hasOneByteExtensions)
        XCTAssertEqual(header.extensionRange, 16..<20)
        XCTAssertEqual(header.payloadOffset, 20)
        XCTAssertEqual(header.payloadLength, 5)
        pionOneByte.withUnsafeBytes { packet in
            let range = header.extensionElement(id: 5, in: packet)
            XCTAssertEqual(range, 17..<18)
            XCTAssertEqual(range.map { packet[$0.lowerBound] }, 0xAA)
            XCTAssertNil(header.extensionElement(id: 4, in: packet))
            XCTAssertNil(header.extensionElement(id: 0, in: packet))
        }
    }

    func testTwoByteExtensionsCSRCsAndPadding() throws {
        // Hand-built from RFC 3550 §5.1 and RFC 8285 §4.3: CC=2, X=1, P=1, profile 0x1000,
        // elements: id 1 (len 0), id 20 (len 3), padding; payload 4 bytes; 3 padding bytes.
        let bytes: [UInt8] = [
            0xB2, 0x6F, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xCA, 0xFE, 0xBA, 0xBE,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,      // CSRCs
            0x10, 0x00, 0x00, 0x02,                              // 0x1000, 2 words
            0x01, 0x00, 0x14, 0x03, 0xAA, 0xBB, 0xCC, 0x00,      // elements + 1 padding byte
            0xDE, 0xAD, 0xBE, 0xEF,                              // payload
            0x00, 0x00, 0x03,                                    // RTP padding
        ]
        let header = try XCTUnwrap(parseRTP(bytes))
        XCTAssertTrue(header.padding)
        XCTAssertEqual(header.csrcCount, 2)
        XCTAssertFalse(header.marker)
        XCTAssertEqual(header.payloadType, 0x6F)
        XCTAssertEqual(header.sequenceNumber, 0x1234)
        XCTAssertEqual(header.timestamp, 0x1000)
        XCTAssertEqual(header.ssrc, 0xCAFE_BABE)
        XCTAssertTrue(header.hasTwoByteExtensions)
        XCTAssertEqual(header.payloadOffset, 32)
        XCTAssertEqual(header.payloadLength, 4)
        XCTAssertEqual(header.paddingLength, 3)
        bytes.withUnsafeBytes { packet in
            XCTAssertEqual(header.csrc(at: 0, in: packet), 1)
            XCTAssertEqual(header.csrc(at: 1, in: packet), 2)
            XCTAssertNil(header.csrc(at: 2, in: packet))
            XCTAssertEqual(header.extensionElement(id: 1, in: packet), 26..<26)
            XCTAssertEqual(header.extensionElement(id: 20, in: packet), 28..<31)
            XCTAssertNil(header.extensionElement(id: 2, in: packet))
        }
    }

    func testRejectsMalformedHeaders() {
        XCTAssertNil(parseRTP([]))
        XCTAssertNil(parseRTP(Array(pionOneByte.prefix(11))))
        var badVersion = pionOneByte
        badVersion[0] = 0x50
        XCTAssertNil(parseRTP(badVersion))
        // Extension length pointing past the end.
        var longExtension = pionOneByte
        longExtension[15] = 0x09
        XCTAssertNil(parseRTP(longExtension))
        // CSRC count larger than the packet.
        var manyCSRC = pionOneByte
        manyCSRC[0] = 0x8F
        XCTAssertNil(parseRTP(Array(manyCSRC.prefix(40))))
        // Padding count larger than the payload.
        var badPadding = pionOneByte
        badPadding[0] |= 0x20
        badPadding[badPadding.count - 1] = 200
        XCTAssertNil(parseRTP(badPadding))
        badPadding[badPadding.count - 1] = 0
        XCTAssertNil(parseRTP(badPadding))
    }

    func testOneByteIDZeroIsOnePaddingByteWhateverItsLength() throws {
        // Found by `cascade-fuzz rtp`: 0x01 (ID 0, length 2) was walked as an element of ID 0
        // that extensionElement(id:) then refused to find, and it swallowed the element after it.
        let found: [UInt8] = [0x90, 0xe0, 0x8f, 0x88, 0xd9, 0xc2, 0x93, 0xda, 0xec, 0x64, 0x27, 0x82,
                              0xbe, 0xde, 0x00, 0x01, 0x01, 0xb2, 0x01, 0xb2, 0xb2, 0x01, 0xb2, 0x98, 0x37]
        let header = try XCTUnwrap(parseRTP(found))
        found.withUnsafeBytes { packet in
            header.forEachExtensionElement(in: packet) { id, _ in
                XCTAssertNotEqual(id, 0)
                return true
            }
        }
        // As libwebrtc reads it: skip the one byte, then element 1 (one byte, 0xAA).
        let bytes: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                              0xBE, 0xDE, 0x00, 0x01, 0x01, 0x10, 0xAA, 0x00]
        let padded = try XCTUnwrap(parseRTP(bytes))
        bytes.withUnsafeBytes { XCTAssertEqual(padded.extensionElement(id: 1, in: $0), 18..<19) }
    }

    func testOneByteReservedID15StopsParsing() throws {
        // RFC 8285 §4.2: id 15 means stop processing the extension block.
        let bytes: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                              0xBE, 0xDE, 0x00, 0x01, 0xF0, 0x10, 0x00, 0x00]
        let header = try XCTUnwrap(parseRTP(bytes))
        bytes.withUnsafeBytes { XCTAssertNil(header.extensionElement(id: 1, in: $0)) }
    }

    func testInPlaceSetters() throws {
        var bytes = pionOneByte
        bytes.withUnsafeMutableBytes { packet in
            XCTAssertTrue(RTPHeader.setSequenceNumber(0xBEEF, in: packet))
            XCTAssertTrue(RTPHeader.setTimestamp(0x0102_0304, in: packet))
            XCTAssertTrue(RTPHeader.setSSRC(0xA1B2_C3D4, in: packet))
            XCTAssertTrue(RTPHeader.setPayloadType(111, in: packet))
            XCTAssertTrue(RTPHeader.setMarker(false, in: packet))
        }
        let header = try XCTUnwrap(parseRTP(bytes))
        XCTAssertEqual(header.sequenceNumber, 0xBEEF)
        XCTAssertEqual(header.timestamp, 0x0102_0304)
        XCTAssertEqual(header.ssrc, 0xA1B2_C3D4)
        XCTAssertEqual(header.payloadType, 111)
        XCTAssertFalse(header.marker)
        XCTAssertEqual(Array(bytes[12...]), Array(pionOneByte[12...]))
        bytes.withUnsafeMutableBytes { packet in
            XCTAssertTrue(RTPHeader.setMarker(true, in: packet))
            XCTAssertTrue(RTPHeader.setPayloadType(0xFF, in: packet))  // masked to 7 bits
        }
        XCTAssertEqual(bytes[1], 0xFF)
        var short: [UInt8] = [0x80, 0x60]
        short.withUnsafeMutableBytes { XCTAssertFalse(RTPHeader.setSequenceNumber(1, in: $0)) }
    }

    func testExtensionMap() {
        var map = RTPHeaderExtensionMap([(id: 4, uri: .mid), (id: 3, uri: .transportWideCC), (id: 2, uri: .absSendTime)])
        XCTAssertEqual(map.midID, 4)
        XCTAssertEqual(map.transportWideCCID, 3)
        XCTAssertEqual(map.id(for: .absSendTime), 2)
        XCTAssertEqual(map.uri(for: 4), .mid)
        XCTAssertNil(map.audioLevelID)
        // Re-registering an id moves it.
        map.register(id: 4, uri: .audioLevel)
        XCTAssertNil(map.midID)
        XCTAssertEqual(map.audioLevelID, 4)
        map.register(id: 1, uri: .audioLevel)
        XCTAssertEqual(map.audioLevelID, 1)
        XCTAssertNil(map.uri(for: 4))
        let custom = RTPHeaderExtensionURI("urn:example:custom")
        map.register(id: 14, uri: custom)
        XCTAssertEqual(map.id(for: custom), 14)
        XCTAssertTrue(map.fitsOneByteForm)
        map.register(id: 20, uri: .rtpStreamID)
        XCTAssertFalse(map.fitsOneByteForm)
        XCTAssertFalse(map.register(id: 0, uri: .mid))
        XCTAssertEqual(map.entries.map(\.id), [1, 2, 3, 14, 20])
        map.remove(id: 20)
        XCTAssertNil(map.rtpStreamID)
        XCTAssertEqual(RTPHeaderExtensionURI.transportWideCC.rawValue,
                       "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01")
    }
}
