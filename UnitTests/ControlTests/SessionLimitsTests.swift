import XCTest
@testable import Control

/// Bad input and limits: each gets its documented error; the socket and the others are unaffected.
final class SessionLimitsTests: XCTestCase {
    func testBadInputKeepsTheSocketOpen() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()

        await grace.send(text: "{not json")
        await grace.send(text: "[]")
        await grace.send(["type": "teleport", "id": "t1"])
        await grace.send(["type": "publish", "id": 3, "source": "camera", "offer": 42])
        await grace.session.receive(.binary(byteCount: 10))
        let replies = grace.received()
        XCTAssertEqual(replies.map { $0.string("code") }, ["bad_json", "bad_json", "bad_message", "bad_message", "bad_json"])
        XCTAssertEqual(replies[2]["re"] as? String, "t1")
        XCTAssertEqual(replies[3].string("message"), "field 'offer' must be a string")
        XCTAssertEqual(replies[3]["re"] as? Int, 3)
        XCTAssertFalse(grace.outbox.isFinished)

        let pong = await grace.request(["type": "ping", "id": 8])
        XCTAssertEqual(pong.first?.type, "pong")
        XCTAssertEqual(pong.first?["re"] as? Int, 8)
        XCTAssertTrue(ada.received().isEmpty, "others are unaffected")
    }

    func testMessageTooLarge() async throws {
        let server = try await TestServer()
        let ada = try await server.joined()
        let huge = #"{"type":"chat","id":1,"text":""# + String(repeating: "a", count: 70_000) + #""}"#
        let replies = await { await ada.send(text: huge); return ada.received() }()
        XCTAssertEqual(replies.first?.string("code"), "message_too_large")
        XCTAssertNil(replies.first?["re"])
        await ada.session.receive(.tooLarge(byteCount: 5_000_000))
        XCTAssertEqual(ada.received().first?.string("code"), "message_too_large")
        XCTAssertFalse(ada.outbox.isFinished)
        // Exactly at the limit is fine (it is then checked as a message).
        let padding = 65_536 - #"{"type":"ping","id":2,"pad":""}"#.utf8.count
        await ada.send(text: #"{"type":"ping","id":2,"pad":""# + String(repeating: "b", count: padding) + #""}"#)
        XCTAssertEqual(ada.received().first?.type, "pong")
    }

    func testRateLimitDropsThenCloses() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        // The join used one token of the burst of 100.
        for i in 0..<99 { await grace.send(["type": "ping", "id": i]) }
        XCTAssertEqual(grace.received().filter { $0.type == "pong" }.count, 99)
        await grace.send(["type": "ping", "id": "over"])
        let limited = grace.received()
        XCTAssertEqual(limited.first?.string("code"), "rate_limited")
        XCTAssertEqual(limited.first?["re"] as? String, "over")
        XCTAssertFalse(grace.outbox.isFinished)

        // Time refills the bucket: 40 ms is two messages at 50/s.
        server.clock.advance(seconds: 0.04)
        await grace.send(["type": "ping"])
        await grace.send(["type": "ping"])
        XCTAssertEqual(grace.received().map(\.type), ["pong", "pong"])

        for _ in 0..<9 { await grace.send(["type": "ping"]) }
        let last = grace.received()
        XCTAssertEqual(last.filter { $0.string("code") == "rate_limited" }.count, 9)
        XCTAssertEqual(last.last?.closeCode, 1008)
        // Closed for the rate limit, not left: the others see it reconnecting.
        XCTAssertEqual(ada.received().map(\.type), ["participant.reconnecting"])
    }

    func testSlowSocketOverflowsAndIsDropped() async throws {
        let server = try await TestServer { $0.outboundQueueLimit = 8 }
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        let closed = expectation(description: "transport closed")
        grace.outbox.setOverflowHandler { closed.fulfill() }
        // Grace never reads; Ada chats on.
        for i in 0..<12 {
            let replies = await ada.request(["type": "chat", "id": i, "text": "message \(i)"])
            XCTAssertEqual(replies.first?.type, "chat.sent")
        }
        await fulfillment(of: [closed], timeout: 1)
        XCTAssertTrue(grace.outbox.didOverflow)
        // The adapter reports the closed transport; the room then holds Grace's place.
        await grace.drop()
        XCTAssertEqual(ada.received().last?.type, "participant.reconnecting")
    }
}
