import NIOCore
import XCTest

@testable import MediaServer

/// RFC 4571 framing of ICE-TCP connections: frames split across reads, several in one read,
/// empty frames, and oversize length prefixes (which must end the connection, not the node).
final class RFC4571FramingTests: XCTestCase {
    private func framed(_ payloads: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for payload in payloads {
            out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
        }
        return out
    }

    /// Feeds `chunks` one read at a time and collects every frame decoded.
    private func decode(_ chunks: [[UInt8]], maximumFrameLength: Int = RFC4571.maximumFrameLength) throws -> [[UInt8]] {
        let processor = NIOSingleStepByteToMessageProcessor(RFC4571FrameDecoder(maximumFrameLength: maximumFrameLength))
        var frames: [[UInt8]] = []
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { frame in
                frames.append(Array(frame.readableBytesView))
            }
        }
        return frames
    }

    func testOneFramePerRead() throws {
        let a: [UInt8] = [0x00, 0x01, 0x00, 0x00]
        let b: [UInt8] = [0x80, 0x60, 0x12, 0x34, 0xAA]
        XCTAssertEqual(try decode([framed([a]), framed([b])]), [a, b])
    }

    func testCoalescedFramesInOneRead() throws {
        let payloads: [[UInt8]] = [[1], [2, 2], Array(repeating: 3, count: 1200), [0x16, 0xFE, 0xFD]]
        XCTAssertEqual(try decode([framed(payloads)]), payloads)
    }

    func testFrameSplitAcrossReads() throws {
        let payload = (0..<1000).map { UInt8($0 & 0xFF) }
        let bytes = framed([payload, [9, 9]])
        // Split inside the length prefix, inside the payload, and between frames.
        let chunks = [Array(bytes[0..<1]), Array(bytes[1..<500]), Array(bytes[500..<1002]), Array(bytes[1002...])]
        XCTAssertEqual(try decode(chunks), [payload, [9, 9]])
    }

    func testByteAtATime() throws {
        let payloads: [[UInt8]] = [[0, 1, 0, 0, 0x21, 0x12], [0x80, 0x00]]
        XCTAssertEqual(try decode(framed(payloads).map { [$0] }), payloads)
    }

    func testEmptyFramesAreSkipped() throws {
        XCTAssertEqual(try decode([framed([[], [7], []])]), [[7]])
    }

    func testIncompleteFrameYieldsNothing() throws {
        XCTAssertEqual(try decode([[0x00, 0x05, 1, 2, 3]]), [])
    }

    func testOversizeLengthThrowsBeforeThePayloadArrives() {
        // Only the prefix has arrived: the decoder must refuse at once, not buffer 60 KiB.
        XCTAssertThrowsError(try decode([[0xEA, 0x60]])) { error in
            XCTAssertEqual(error as? RFC4571FrameDecoder.FrameTooLarge, .init(length: 0xEA60))
        }
    }

    func testMaximumLengthIsAcceptedAndOneMoreIsNot() throws {
        let largest = Array(repeating: UInt8(0x80), count: RFC4571.maximumFrameLength)
        XCTAssertEqual(try decode([framed([largest])]), [largest])
        XCTAssertThrowsError(try decode([framed([largest + [0]])]))
    }

    func testOversizeAfterGoodFramesStillDeliversTheGoodOnes() {
        var frames: [[UInt8]] = []
        let processor = NIOSingleStepByteToMessageProcessor(RFC4571FrameDecoder(maximumFrameLength: 10))
        let bytes = framed([[1, 2], [3]]) + [0x00, 0x0B] + Array(repeating: 0, count: 11)
        XCTAssertThrowsError(try processor.process(buffer: ByteBuffer(bytes: bytes)) { frames.append(Array($0.readableBytesView)) })
        XCTAssertEqual(frames, [[1, 2], [3]])
    }

    func testWriteFramePrefixesTheLength() {
        var buffer = ByteBuffer()
        let written = RFC4571.writeFrame(into: &buffer, length: 300) { out in
            for index in 0..<5 { out[index] = UInt8(index + 1) }
            return 5
        }
        XCTAssertEqual(written, 5)
        XCTAssertEqual(Array(buffer.readableBytesView), [0x00, 0x05, 1, 2, 3, 4, 5])
    }

    func testWriteFrameOfNothingLeavesTheBufferUntouched() {
        var buffer = ByteBuffer(bytes: [0xAB])
        XCTAssertEqual(RFC4571.writeFrame(into: &buffer, length: 100) { _ in 0 }, 0)
        XCTAssertEqual(Array(buffer.readableBytesView), [0xAB])
        // A writer claiming more than it was given is treated as a failure too.
        XCTAssertEqual(RFC4571.writeFrame(into: &buffer, length: 4) { _ in 5 }, 0)
        XCTAssertEqual(Array(buffer.readableBytesView), [0xAB])
    }

    func testWrittenFramesDecodeBack() throws {
        var buffer = ByteBuffer()
        for payload in [[UInt8](repeating: 1, count: 3), [2, 2], [0x80]] {
            _ = RFC4571.writeFrame(into: &buffer, length: payload.count) { out in
                out.copyBytes(from: payload)
                return payload.count
            }
        }
        XCTAssertEqual(try decode([Array(buffer.readableBytesView)]), [[1, 1, 1], [2, 2], [0x80]])
    }

    func testPassiveTCPCandidatePriority() {
        // RFC 6544 §4.2: type 90 (libwebrtc host TCP), local pref 2^13·4 + 8191, component 1.
        XCTAssertEqual(ICEPriorityTCP.passiveHost, 90 << 24 | 40959 << 8 | 255)
        XCTAssertLessThan(ICEPriorityTCP.passiveHost, (126 << 24) | (65535 << 8) | 255)
    }
}
