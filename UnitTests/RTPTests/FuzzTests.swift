import XCTest
@testable import RTP

/// Random and truncated inputs to every parser: none may trap. Deterministic seeds.
final class FuzzTests: XCTestCase {
    static let seeds: [[UInt8]] = [
        // RTP with one-byte extension (pion/rtp), RTCP compound (pion/rtcp), TWCC, REMB, VP8.
        [0x90, 0xe0, 0x69, 0x8f, 0xd9, 0xc2, 0x93, 0xda, 0x1c, 0x64, 0x27, 0x82, 0xBE, 0xDE, 0x00, 0x01,
         0x50, 0xAA, 0x00, 0x00, 0x98, 0x36, 0xbe, 0x88, 0x9e],
        [0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00, 0x00,
         0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79,
         0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f, 0x9e, 0x2e],
        [0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc, 0x85, 0x3c, 0x00, 0x09,
         0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30, 0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01],
        [143, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66, 1, 26, 32, 223, 72, 116, 237, 22],
        [0x82, 0xca, 0x00, 0x04, 0, 0, 0, 1, 1, 2, 0x61, 0x62, 0, 0, 0, 2, 0, 0, 0, 0],
        [0xb0, 0xe0, 0xbd, 0x9d, 0x3e, 0x40, 0xb0],
    ]

    func exerciseAll(_ bytes: [UInt8]) {
        _ = try? RTCPCompound.parse(bytes)
        _ = try? RTCPCompound.parseStrict(bytes)
        bytes.withUnsafeBytes { raw in
            _ = RTCPCompound.isRTCP(raw)
            if let header = RTPHeader.parse(raw) {
                XCTAssertLessThanOrEqual(header.payloadOffset + header.payloadLength, raw.count)
                for id in [UInt8(1), 5, 14, 15, 200] {
                    if let range = header.extensionElement(id: id, in: raw) {
                        XCTAssertLessThanOrEqual(range.upperBound, raw.count)
                        _ = RTPExtensionValue.transportSequenceNumber(raw, range)
                        _ = RTPExtensionValue.absSendTime(raw, range)
                        _ = RTPExtensionValue.string(raw, range)
                    }
                }
                for i in 0..<Int(header.csrcCount) { _ = header.csrc(at: i, in: raw) }
            }
            _ = RTX.originalSequenceNumber(of: raw)
            var out = [UInt8](repeating: 0, count: raw.count + 2)
            out.withUnsafeMutableBytes { o in
                _ = RTX.build(from: raw, rtxSSRC: 1, rtxPayloadType: 97, rtxSequenceNumber: 1, into: o)
                _ = RTX.recover(from: raw, originalSSRC: 1, originalPayloadType: 96, into: o)
            }
            for codec in [VideoCodec.vp8, .vp9, .h264, .av1] { _ = VideoCodec.isKeyframe(codec: codec, payload: raw) }
            _ = VP8PayloadDescriptor.parse(raw)
            _ = VP9PayloadDescriptor.parse(raw)
        }
        var mutable = bytes
        mutable.withUnsafeMutableBytes { _ = VP8PayloadDescriptor.rewrite(pictureID: 1, tl0PicIdx: 1, in: $0) }
    }

    func testTruncationsOfSeeds() {
        for seed in FuzzTests.seeds {
            for length in 0...seed.count { exerciseAll(Array(seed.prefix(length))) }
        }
    }

    func testBitFlipsAndRandomBytes() {
        var rng = XorShift(seed: 0xC0FFEE)
        for _ in 0..<4000 {
            var bytes = FuzzTests.seeds[Int.random(in: 0..<FuzzTests.seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            exerciseAll(Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))))
        }
        for _ in 0..<3000 {
            let length = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias half of them towards plausible headers so deeper code runs.
            if length >= 2, Bool.random(using: &rng) {
                bytes[0] = 0x80 | (bytes[0] & 0x3F)
                bytes[1] = UInt8.random(in: 192...223, using: &rng)
            }
            if length >= 4, Bool.random(using: &rng) {
                bytes[2] = 0
                bytes[3] = UInt8(min(255, max(0, length / 4 - 1)))
            }
            exerciseAll(bytes)
        }
    }

    func testParsedRTCPAlwaysReserializesToParseableBytes() throws {
        var rng = XorShift(seed: 7)
        for _ in 0..<3000 {
            var bytes = FuzzTests.seeds[Int.random(in: 1...4, using: &rng)]
            let i = Int.random(in: 4..<bytes.count, using: &rng)
            bytes[i] = UInt8.random(in: 0...255, using: &rng)
            guard let packets = try? RTCPCompound.parse(bytes) else { continue }
            let again = try RTCPCompound.parse(RTCPCompound.serialize(packets))
            XCTAssertEqual(again.count, packets.count)
        }
    }
}
