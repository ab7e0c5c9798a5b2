import MediaServer
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

final class HTTPResponseParserTests: XCTestCase {
    private func parse(_ text: String, atEnd: Bool = false) -> HTTPResponseParser.Result {
        HTTPResponseParser.parse(Array(text.utf8), atEndOfStream: atEnd)
    }

    func testCreatedWithLocationAndSDPBody() {
        let body = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"
        let text = "HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nlocation: /whip/room/local.abc\r\n"
            + "ETag: \"x\"\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        guard case .complete(let response) = parse(text) else { return XCTFail("not complete") }
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.reason, "Created")
        XCTAssertEqual(response.header("Location"), "/whip/room/local.abc")
        XCTAssertEqual(response.header("content-type"), "application/sdp")
        XCTAssertEqual(response.bodyText, body)
    }

    func testIncompleteUntilTheBodyArrives() {
        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\nContent-Len"), .incomplete)
        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), .incomplete)
        guard case .malformed = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", atEnd: true) else {
            return XCTFail("a truncated body is malformed at the end of the stream")
        }
    }

    func testChunkedAndCloseDelimitedBodies() {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"
        guard case .complete(let response) = parse(chunked) else { return XCTFail("chunked not complete") }
        XCTAssertEqual(response.bodyText, "Wikipedia")
        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi"), .incomplete)

        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\n\r\nuntil close"), .incomplete)
        guard case .complete(let closed) = parse("HTTP/1.1 200 OK\r\n\r\nuntil close", atEnd: true) else {
            return XCTFail("close-delimited not complete")
        }
        XCTAssertEqual(closed.bodyText, "until close")
        guard case .complete(let empty) = parse("HTTP/1.1 204 No Content\r\n\r\n") else { return XCTFail("204") }
        XCTAssertTrue(empty.body.isEmpty)
    }

    func testGarbageIsMalformedNotACrash() {
        for text in ["SSH-2.0-x\r\n\r\n", "HTTP/1.1 2x1 Created\r\n\r\n", "HTTP/1.1 201 Created\r\nNoColon\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"] {
            guard case .malformed = parse(text) else { return XCTFail("\(text) should be malformed") }
        }
    }
}
