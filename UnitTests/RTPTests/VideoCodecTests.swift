import XCTest
@testable import RTP

final class VideoCodecTests: XCTestCase {
    func isKeyframe(_ codec: VideoCodec, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { VideoCodec.isKeyframe(codec: codec, payload: $0) }
    }

    // VP8 payload prefixes from finos/SymphonyMediaBridge test/codec/Vp8HeaderTest.cpp
    // (captured Chrome VP8: X=1, I/L/T present, 15-bit picture id).
    func testVP8SymphonyPrefixes() throws {
        let notKey0: [UInt8] = [0x90, 0xe0, 0xab, 0xb9, 0xd3, 0x60, 0x11]
        let notKey1: [UInt8] = [0xb0, 0xe0, 0xbd, 0x9d, 0x3e, 0x40, 0xb1]
        let keyFirst: [UInt8] = [0xb0, 0xe0, 0xbd, 0x9d, 0x3e, 0x40, 0xb0]
        let keyNotStart: [UInt8] = [0xa0, 0xe0, 0xbd, 0x9d, 0x3e, 0x40, 0xb0]  // S=0
        XCTAssertFalse(isKeyframe(.vp8, notKey0))
        XCTAssertFalse(isKeyframe(.vp8, notKey1))
        XCTAssertTrue(isKeyframe(.vp8, keyFirst))
        XCTAssertFalse(isKeyframe(.vp8, keyNotStart))

        let d = try XCTUnwrap(keyFirst.withUnsafeBytes { VP8PayloadDescriptor.parse($0) })
        XCTAssertEqual(d.descriptorLength, 6)
        XCTAssertEqual(d.pictureID, 0x3d9d)
        XCTAssertTrue(d.pictureIDIs15Bit)
        XCTAssertEqual(d.tl0PicIdx, 0x3e)
        XCTAssertEqual(d.temporalLayer, 1)
        XCTAssertFalse(d.layerSync)
        XCTAssertTrue(d.nonReference)
        XCTAssertTrue(d.isFrameStart)
        let d0 = try XCTUnwrap(notKey0.withUnsafeBytes { VP8PayloadDescriptor.parse($0) })
        XCTAssertEqual(d0.pictureID, 0x2bb9)
        XCTAssertEqual(d0.tl0PicIdx, 0xd3)
        XCTAssertEqual(d0.temporalLayer, 1)
        XCTAssertTrue(d0.layerSync)
    }

    func testVP8MinimalAndShortDescriptors() {
        // RFC 7741: X=0, S=1, PID=0, then the payload header with P=0 (key) — libvpx key frames
        // start 0x?0 ... 9d 01 2a.
        XCTAssertTrue(isKeyframe(.vp8, [0x10, 0x50, 0x04, 0x00, 0x9d, 0x01, 0x2a]))
        XCTAssertFalse(isKeyframe(.vp8, [0x10, 0x51, 0x04, 0x00]))
        XCTAssertFalse(isKeyframe(.vp8, [0x11, 0x50]))     // PID=1
        XCTAssertFalse(isKeyframe(.vp8, [0x10]))           // no payload header
        XCTAssertFalse(isKeyframe(.vp8, []))
        XCTAssertNil([UInt8(0x90)].withUnsafeBytes { VP8PayloadDescriptor.parse($0) })
        XCTAssertNil([UInt8(0x90), 0x80].withUnsafeBytes { VP8PayloadDescriptor.parse($0) })
        XCTAssertNil([UInt8(0x90), 0x80, 0x80].withUnsafeBytes { VP8PayloadDescriptor.parse($0) })
    }

    func testVP8InPlaceRewrite() throws {
        var bytes: [UInt8] = [0xb0, 0xe0, 0xbd, 0x9d, 0x3e, 0x40, 0xb0]
        bytes.withUnsafeMutableBytes { XCTAssertTrue(VP8PayloadDescriptor.rewrite(pictureID: 0x1234, tl0PicIdx: 7, in: $0)) }
        XCTAssertEqual(bytes, [0xb0, 0xe0, 0x92, 0x34, 0x07, 0x40, 0xb0])
        // 7-bit picture id: value truncated to 7 bits, width kept.
        var short: [UInt8] = [0x90, 0x80, 0x05, 0x00]
        short.withUnsafeMutableBytes { XCTAssertTrue(VP8PayloadDescriptor.rewrite(pictureID: 0x1FF, tl0PicIdx: 1, in: $0)) }
        XCTAssertEqual(short, [0x90, 0x80, 0x7F, 0x00])
    }

    func testVP9() throws {
        // I=1 (15-bit pid), L=1, F=0, B=1, P=0; SID 0 → key frame start.
        let key: [UInt8] = [0xA8 | 0x02, 0x80 | 0x12, 0x34, 0x00, 0x05, 0x00]
        XCTAssertTrue(isKeyframe(.vp9, key))
        let d = try XCTUnwrap(key.withUnsafeBytes { VP9PayloadDescriptor.parse($0) })
        XCTAssertEqual(d.pictureID, 0x1234)
        XCTAssertEqual(d.spatialLayer, 0)
        XCTAssertEqual(d.tl0PicIdx, 5)
        XCTAssertTrue(d.hasScalabilityStructure)
        // Spatial layer 1 of the same picture: not where a decoder starts.
        XCTAssertFalse(isKeyframe(.vp9, [0xA8, 0x80 | 0x12, 0x34, 0x02, 0x05]))
        // P=1: inter frame.
        XCTAssertFalse(isKeyframe(.vp9, [0xE8, 0x80 | 0x12, 0x34, 0x00, 0x05]))
        // B=0: not frame start.
        XCTAssertFalse(isKeyframe(.vp9, [0xA4, 0x80 | 0x12, 0x34, 0x00, 0x05]))
        // No L byte: spatial layer implied 0.
        XCTAssertTrue(isKeyframe(.vp9, [0x88, 0x01]))
        XCTAssertFalse(isKeyframe(.vp9, [0xA8, 0x80]))  // truncated
    }

    func testH264() {
        // STAP-A (RFC 6184 §5.7.1) carrying SPS + PPS as Chrome sends before an IDR. SPS bytes
        // from videojs/mux.js test/test-sps.js (67 42 c0 1e ...).
        let sps: [UInt8] = [0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xb4, 0x35, 0xf9, 0xe1, 0x00, 0x00, 0x03, 0x00, 0x01]
        let pps: [UInt8] = [0x68, 0xce, 0x3c, 0x80]
        let stapA: [UInt8] = [0x78, 0x00, UInt8(sps.count)] + sps + [0x00, UInt8(pps.count)] + pps
        XCTAssertTrue(isKeyframe(.h264, stapA))
        // Single NAL SPS.
        XCTAssertTrue(isKeyframe(.h264, sps))
        // FU-A (RFC 6184 §5.8) start of an IDR: an IDR but not an SPS.
        let fuaIDRStart: [UInt8] = [0x7C, 0x85, 0x88, 0x84]
        XCTAssertFalse(isKeyframe(.h264, fuaIDRStart))
        XCTAssertTrue(fuaIDRStart.withUnsafeBytes { H264Payload.containsIDR($0) })
        XCTAssertFalse([UInt8(0x7C), 0x05, 0x88].withUnsafeBytes { H264Payload.containsIDR($0) })  // not S
        // FU-A start of an SPS (odd but legal).
        XCTAssertTrue(isKeyframe(.h264, [0x7C, 0x87, 0x42]))
        // Non-IDR slice and malformed STAP-A.
        XCTAssertFalse(isKeyframe(.h264, [0x41, 0x9a, 0x00]))
        XCTAssertFalse(isKeyframe(.h264, [0x78, 0x00, 0xFF, 0x67]))
        XCTAssertFalse(isKeyframe(.h264, [0x78, 0x00]))
        XCTAssertFalse(isKeyframe(.h264, []))
        XCTAssertFalse(isKeyframe(.h264, [0x7C]))
    }

    func testAV1() {
        // Aggregation header Z=0 Y=0 W=2 N=1 (0x28); element 1 with LEB128 length: sequence
        // header OBU (type 1 → 0x08); element 2 (no length): frame OBU (type 6 → 0x30).
        let key: [UInt8] = [0x28, 0x03, 0x08, 0x00, 0x00, 0x30, 0x10, 0x20]
        XCTAssertTrue(isKeyframe(.av1, key))
        // N=0.
        XCTAssertFalse(isKeyframe(.av1, [0x20, 0x03, 0x08, 0x00, 0x00, 0x30, 0x10]))
        // Z=1: the first element is a continuation, not a sequence header.
        XCTAssertFalse(isKeyframe(.av1, [0xA8, 0x03, 0x08, 0x00, 0x00, 0x30, 0x10]))
        // W=0: every element length-prefixed; sequence header second.
        XCTAssertTrue(isKeyframe(.av1, [0x08, 0x02, 0x12, 0x00, 0x02, 0x08, 0x00]))
        // W=1: single element without a length.
        XCTAssertTrue(isKeyframe(.av1, [0x18, 0x08, 0x00, 0x00]))
        // Bad LEB128 length.
        XCTAssertFalse(isKeyframe(.av1, [0x08, 0x7F, 0x08]))
        XCTAssertFalse(isKeyframe(.av1, [0x08]))
    }

    func testEncodingNames() {
        XCTAssertEqual(VideoCodec(encodingName: "VP8"), .vp8)
        XCTAssertEqual(VideoCodec(encodingName: "h264"), .h264)
        XCTAssertEqual(VideoCodec(encodingName: "AV1"), .av1)
        XCTAssertNil(VideoCodec(encodingName: "opus"))
    }
}
