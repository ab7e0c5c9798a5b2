import MediaAPI
import XCTest
@testable import Control

/// docs/signaling.md, *ICE restart*: a participant restarts ICE on its own sessions without
/// publishing or subscribing again, and nobody else hears of it.
final class ICERestartTests: XCTestCase {
    func testRestartsOwnPublicationAndSubscriptionWithTheNewOffer() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let published = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        let subscribed = await grace.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio", "video")])
        let subscriptionID = try XCTUnwrap(subscribed.first?.string("subscriptionId"))
        _ = ada.received()
        _ = grace.received()

        let restarted = await ada.request(["type": "ice.restart", "id": 3, "publicationId": publicationID, "offer": "NEW-OFFER"])
        XCTAssertEqual(restarted.first?.type, "ice.restarted")
        XCTAssertEqual(restarted.first?["re"] as? Int, 3)
        XCTAssertEqual(restarted.first?.string("answer"), "answer-to:NEW-OFFER")
        let played = await grace.request(["type": "ice.restart", "id": 4, "subscriptionId": subscriptionID, "offer": "OTHER"])
        XCTAssertEqual(played.first?.string("answer"), "answer-to:OTHER")
        XCTAssertTrue(server.media.calls.contains(.updateICE(publicationID, restart: true)))
        XCTAssertTrue(server.media.calls.contains(.updateICE(subscriptionID, restart: true)))
        XCTAssertEqual(server.media.calls.filter { if case .publish = $0 { true } else { false } }.count, 1, "no second publish")
        XCTAssertEqual(server.media.calls.filter { if case .subscribe = $0 { true } else { false } }.count, 1, "no second subscribe")
        XCTAssertNil(grace.first("track.unpublished"), "the others see no change")
    }

    func testOnlyOwnSessionsAndExactlyOneOfThem() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let published = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))

        var replies = await grace.request(["type": "ice.restart", "id": 2, "publicationId": publicationID, "offer": "x"])
        XCTAssertEqual(replies.first?.string("code"), "not_found", "someone else's publication")
        replies = await ada.request(["type": "ice.restart", "id": 3, "offer": "x"])
        XCTAssertEqual(replies.first?.string("code"), "bad_message")
        replies = await ada.request(["type": "ice.restart", "id": 4, "publicationId": publicationID, "subscriptionId": "s", "offer": "x"])
        XCTAssertEqual(replies.first?.string("code"), "bad_message")
        XCTAssertFalse(server.media.calls.contains { if case .updateICE = $0 { true } else { false } })
    }
}
