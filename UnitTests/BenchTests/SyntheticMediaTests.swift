@testable import Bench
import RTP
import XCTest

final class SyntheticMediaTests: XCTestCase {
    private func payloads(of frame: SyntheticVideoFrame) -> [[UInt8]] {
        frame.payloadSizes.indices.map { index in
            var bytes = [UInt8](repeating: 0, count: 1500)
            let length = bytes.withUnsafeMutableBytes {
                SyntheticVP8Source.writePayload(frame, index: index, counter: UInt64(index), sendNanos: 42, into: $0)
            }
            return Array(bytes[0..<length])
        }
    }

    func testFirstFrameIsAKeyFrameOurDetectionRecognises() {
        var source = SyntheticVP8Source(bitrateBps: 1_500_000, framesPerSecond: 30, maximumPayloadBytes: 1150)
        let frame = source.nextFrame()
        XCTAssertTrue(frame.isKeyframe)
        let packets = payloads(of: frame)
        XCTAssertEqual(packets.count, 6)  // 6250 bytes per frame in packets of at most 1150
        XCTAssertEqual(packets.reduce(0) { $0 + $1.count }, 1_500_000 / 8 / 30)
        packets[0].withUnsafeBytes { XCTAssertTrue(VideoCodec.isKeyframe(codec: .vp8, payload: $0)) }
        // Only the first packet starts the frame.
        for packet in packets.dropFirst() {
            packet.withUnsafeBytes { XCTAssertFalse(VideoCodec.isKeyframe(codec: .vp8, payload: $0)) }
            packet.withUnsafeBytes { XCTAssertEqual(VP8PayloadDescriptor.parse($0)?.isFrameStart, false) }
        }
    }

    func testDeltaFramesAreNotKeyFramesUntilIntervalOrRequest() {
        var source = SyntheticVP8Source(bitrateBps: 600_000, framesPerSecond: 30, keyframeIntervalSeconds: 2)
        let first = source.nextFrame()
        let second = source.nextFrame()
        XCTAssertFalse(second.isKeyframe)
        XCTAssertEqual(second.pictureID, (first.pictureID + 1) & 0x7FFF)
        XCTAssertEqual(second.rtpTimestamp &- first.rtpTimestamp, 3000)
        payloads(of: second)[0].withUnsafeBytes {
            XCTAssertFalse(VideoCodec.isKeyframe(codec: .vp8, payload: $0))
            XCTAssertEqual(VP8PayloadDescriptor.parse($0)?.isFrameStart, true)
            XCTAssertEqual(VP8PayloadDescriptor.parse($0)?.pictureID, second.pictureID)
        }
        source.requestKeyframe()
        XCTAssertTrue(source.nextFrame().isKeyframe)
        // 2 s at 30 fps: the 60th frame after a key frame is the next one.
        var frames = 0
        while !source.nextFrame().isKeyframe { frames += 1 }
        XCTAssertEqual(frames, 59)
    }

    func testStampRoundTripsAtThePayloadEnd() {
        var source = SyntheticVP8Source()
        let frame = source.nextFrame()
        var bytes = [UInt8](repeating: 0, count: 2000)
        let length = bytes.withUnsafeMutableBytes {
            SyntheticVP8Source.writePayload(frame, index: 2, counter: 123_456, sendNanos: 987_654_321, into: $0)
        }
        let stamp = Array(bytes[0..<length]).withUnsafeBytes { BenchStamp.read($0) }
        XCTAssertEqual(stamp?.counter, 123_456)
        XCTAssertEqual(stamp?.sendNanos, 987_654_321)

        let opus = SyntheticOpusSource(payloadBytes: 100)
        var audio = [UInt8](repeating: 0, count: 200)
        XCTAssertEqual(audio.withUnsafeMutableBytes { opus.writePayload(counter: 7, sendNanos: 8, into: $0) }, 100)
        XCTAssertEqual(audio[0], 0xF8)
        XCTAssertEqual(Array(audio[0..<100]).withUnsafeBytes { BenchStamp.read($0)?.counter }, 7)
    }

    func testPayloadThatDoesNotFitIsRefused() {
        var source = SyntheticVP8Source()
        let frame = source.nextFrame()
        var small = [UInt8](repeating: 0, count: 100)
        XCTAssertEqual(small.withUnsafeMutableBytes {
            SyntheticVP8Source.writePayload(frame, index: 0, counter: 0, sendNanos: 0, into: $0)
        }, 0)
        XCTAssertEqual(small.withUnsafeMutableBytes {
            SyntheticVP8Source.writePayload(frame, index: 99, counter: 0, sendNanos: 0, into: $0)
        }, 0)
    }
}
