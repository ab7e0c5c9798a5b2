import HTTPGuard
import XCTest

final class RequestHeadGuardTests: XCTestCase {
    private let limits = HTTPLimits(maxRequestLineBytes: 64, maxHeadBytes: 256, maxHeaderCount: 4, readTimeoutSeconds: 10)

    private func verdict(_ text: String, limits: HTTPLimits? = nil) -> RequestHeadGuard.Verdict {
        var headGuard = RequestHeadGuard(limits: limits ?? self.limits, nowNanos: 0)
        return headGuard.receive(Array(text.utf8))
    }

    private func status(_ verdict: RequestHeadGuard.Verdict) -> Int? {
        if case .rejected(let rejection) = verdict { return rejection.status }
        return nil
    }

    func testACompleteHeadPassesWhateverFollowsIt() {
        XCTAssertEqual(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), .complete)
        XCTAssertEqual(verdict("POST /whip/r HTTP/1.1\r\nContent-Length: 3\r\n\r\nv=0"), .complete)
        XCTAssertEqual(verdict("GET / HTTP/1.1\nHost: a\n\n"), .complete, "bare LF line ends, as llhttp accepts")
        XCTAssertEqual(verdict("\r\nGET / HTTP/1.1\r\n\r\n"), .complete, "an empty line before the request line is skipped (RFC 9112 §2.2)")
    }

    func testAHeadArrivingInPiecesIsIncompleteUntilItsEmptyLine() {
        var headGuard = RequestHeadGuard(limits: limits, nowNanos: 0)
        let head = Array("GET /r/x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n".utf8)
        for byte in head.dropLast() {
            XCTAssertEqual(headGuard.receive([byte]), .incomplete)
        }
        XCTAssertEqual(headGuard.receive([head.last!]), .complete)
        XCTAssertEqual(headGuard.receive(Array("garbage".utf8)), .complete, "once complete the guard has nothing to say")
    }

    func testALongRequestLineIs414() {
        XCTAssertEqual(status(verdict("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n\r\n")), 414)
        // Longer than the whole head allows, and still in the request line: 414 as well.
        let small = HTTPLimits(maxRequestLineBytes: 1000, maxHeadBytes: 50)
        XCTAssertEqual(status(verdict("GET /" + String(repeating: "a", count: 100), limits: small)), 414)
    }

    func testTooManyOrTooLargeHeaderFieldsAre431() {
        let many = (0..<10).map { "X-\($0): 1\r\n" }.joined()
        XCTAssertEqual(status(verdict("GET / HTTP/1.1\r\n" + many + "\r\n")), 431)
        let large = "X-Big: " + String(repeating: "b", count: 300) + "\r\n"
        XCTAssertEqual(status(verdict("GET / HTTP/1.1\r\n" + large + "\r\n")), 431)
        XCTAssertEqual(verdict("GET / HTTP/1.1\r\n" + (0..<4).map { "X-\($0): 1\r\n" }.joined() + "\r\n"), .complete,
                       "exactly the limit passes")
    }

    func testBytesThatAreNotHTTPAre400AtOnce() {
        // The start of a TLS 1.2 ClientHello: handshake record, version 3.1.
        var headGuard = RequestHeadGuard(limits: limits, nowNanos: 0)
        XCTAssertEqual(status(headGuard.receive([0x16, 0x03, 0x01, 0x02, 0x00])), 400)
        XCTAssertEqual(status(verdict("\0\0\0\0")), 400)
        XCTAssertEqual(status(verdict("\r\n\r\n\r\n\r\n\r\n\r\n")), 400, "only newlines is not a request")
    }

    func testAHeadNotCompleteAtTheDeadlineIs408() {
        var headGuard = RequestHeadGuard(limits: limits, nowNanos: 1_000)
        XCTAssertEqual(headGuard.receive(Array("GET / HTTP/1.1\r\nHost:".utf8)), .incomplete)
        XCTAssertEqual(headGuard.tick(nowNanos: 1_000 + 9_999_999_999), .incomplete)
        XCTAssertEqual(status(headGuard.tick(nowNanos: 1_000 + 10_000_000_000)), 408)
        XCTAssertEqual(status(headGuard.receive(Array("\r\n\r\n".utf8))), 408, "too late stays too late")

        var complete = RequestHeadGuard(limits: limits, nowNanos: 0)
        XCTAssertEqual(complete.receive(Array("GET / HTTP/1.1\r\n\r\n".utf8)), .complete)
        XCTAssertEqual(complete.tick(nowNanos: 60_000_000_000), .complete, "a complete head has no deadline")
    }

    func testARejectionIsAWholeResponseThatClosesTheConnection() throws {
        guard case .rejected(let rejection) = verdict("GET / HTTP/1.1\r\n" + (0..<10).map { "X-\($0): 1\r\n" }.joined()) else {
            return XCTFail("expected a rejection")
        }
        let text = try XCTUnwrap(String(validating: rejection.responseBytes, as: UTF8.self))
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        XCTAssertTrue(text.contains("\r\nConnection: close\r\n"))
        let body = try XCTUnwrap(text.components(separatedBy: "\r\n\r\n").last)
        XCTAssertTrue(text.contains("Content-Length: \(body.utf8.count)\r\n"))
    }
}
