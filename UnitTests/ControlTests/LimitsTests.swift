import Auth
import XCTest
@testable import Control

final class RateLimiterTests: XCTestCase {
    func testBurstThenSteadyRate() {
        var limiter = RateLimiter(ratePerSecond: 50, burst: 100)
        let start: UInt64 = 5_000_000_000
        for _ in 0..<100 { XCTAssertEqual(limiter.admit(nowNanos: start), .allow) }
        XCTAssertEqual(limiter.admit(nowNanos: start), .reject)
        // 20 ms later one token has come back (50/s).
        XCTAssertEqual(limiter.admit(nowNanos: start + 20_000_000), .allow)
        XCTAssertEqual(limiter.admit(nowNanos: start + 20_000_000), .reject)
        // 2 s later the bucket is full again, but not fuller.
        for _ in 0..<100 { XCTAssertEqual(limiter.admit(nowNanos: start + 3_000_000_000), .allow) }
        XCTAssertNotEqual(limiter.admit(nowNanos: start + 3_000_000_000), .allow)
    }

    func testTenStrikesWithinTenSecondsClose() {
        var limiter = RateLimiter(ratePerSecond: 0.001, burst: 1)
        XCTAssertEqual(limiter.admit(nowNanos: 0), .allow)
        for i in 1...9 { XCTAssertEqual(limiter.admit(nowNanos: UInt64(i) * 100_000_000), .reject) }
        XCTAssertEqual(limiter.admit(nowNanos: 1_000_000_000), .rejectAndClose)
    }

    func testStrikesSpreadOverMoreThanTenSecondsDoNotClose() {
        var limiter = RateLimiter(ratePerSecond: 0.0001, burst: 1)
        XCTAssertEqual(limiter.admit(nowNanos: 0), .allow)
        for i in 1...30 { XCTAssertEqual(limiter.admit(nowNanos: UInt64(i) * 1_200_000_000), .reject, "strike \(i)") }
    }
}

final class TURNCredentialsTests: XCTestCase {
    /// Vector computed independently:
    /// python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b'north-sea-secret',
    ///             b'1763900000:p_x7k2', hashlib.sha1).digest()).decode())"
    func testCredentialMatchesTURNRESTVector() {
        XCTAssertEqual(TURNCredentials.credential(secret: "north-sea-secret", username: "1763900000:p_x7k2"),
                       "lG+qENTd8RWW7lQX/d1zcsHbtX4=")
    }

    func testICEServersCarryExpiryAndParticipant() {
        let turn = TURNCredentials(urls: ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
                                   secret: "north-sea-secret")
        let servers = turn.iceServers(participantID: "p_x7k2", nowUnixSeconds: 1_763_900_000 - 86_400)
        XCTAssertEqual(servers, [ICEServer(urls: ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
                                           username: "1763900000:p_x7k2", credential: "lG+qENTd8RWW7lQX/d1zcsHbtX4=")])
    }

    func testNoTURNWithoutURLsOrSecret() {
        XCTAssertEqual(TURNCredentials(urls: [], secret: "s").iceServers(participantID: "p", nowUnixSeconds: 0), [])
        var configuration = ControlConfiguration()
        configuration.turnURLs = ["turn:x"]
        XCTAssertNil(configuration.turn)
        configuration.turnSecret = "s"
        XCTAssertNotNil(configuration.turn)
    }
}

final class OutboxTests: XCTestCase {
    func testDeliversInOrderAndEndsAfterClose() async {
        let outbox = Outbox(capacity: 4)
        outbox.send("a")
        outbox.send("b")
        outbox.close(code: 1000, reason: "bye")
        XCTAssertFalse(outbox.send("after close"))
        let first = await outbox.next()
        let second = await outbox.next()
        let third = await outbox.next()
        let end = await outbox.next()
        XCTAssertEqual(first, .text("a"))
        XCTAssertEqual(second, .text("b"))
        XCTAssertEqual(third, .close(code: 1000, reason: "bye"))
        XCTAssertNil(end)
    }

    func testOverflowGivesUpOnTheSocket() {
        let outbox = Outbox(capacity: 3)
        let overflowed = expectation(description: "overflow handler")
        outbox.setOverflowHandler { overflowed.fulfill() }
        for i in 0..<3 { XCTAssertTrue(outbox.send("\(i)")) }
        XCTAssertFalse(outbox.send("one too many"))
        wait(for: [overflowed], timeout: 1)
        XCTAssertTrue(outbox.didOverflow)
        XCTAssertFalse(outbox.send("later"))
        XCTAssertEqual(outbox.drain(), [])
    }

    func testWaitingWriterWakesUp() async {
        let outbox = Outbox(capacity: 4)
        async let item = outbox.next()
        try? await Task.sleep(for: .milliseconds(10))
        outbox.send("hello")
        let received = await item
        XCTAssertEqual(received, .text("hello"))
        outbox.finish()
        let end = await outbox.next()
        XCTAssertNil(end)
    }
}
