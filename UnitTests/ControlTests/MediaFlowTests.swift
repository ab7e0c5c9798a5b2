import Auth
import MediaAPI
import XCTest
@testable import Control

/// docs/signaling.md, *Media negotiation*: publish, subscribe, pause, mute, unpublish through
/// the media API.
final class MediaFlowTests: XCTestCase {
    /// Ada publishes her camera, Grace subscribes to it.
    private func setUp(_ server: TestServer) async throws -> (ada: TestClient, grace: TestClient, publicationID: String, subscriptionID: String) {
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        let published = await ada.request(["type": "publish", "id": 2, "source": "camera", "offer": offer("audio", "video"),
                                           "muted": ["video": true]])
        let reply = try XCTUnwrap(published.first)
        XCTAssertEqual(reply.type, "published")
        XCTAssertEqual(reply["re"] as? Int, 2)
        let publicationID = try XCTUnwrap(reply.string("publicationId"))
        XCTAssertTrue(reply.string("answer")?.contains("m=video") == true)

        let event = try XCTUnwrap(grace.first("track.published"))
        XCTAssertEqual(event.string("participantId"), ada.participantID)
        let publication = try XCTUnwrap(event["publication"] as? [String: Any])
        XCTAssertEqual(publication["id"] as? String, publicationID)
        XCTAssertEqual(publication["source"] as? String, "camera")
        XCTAssertEqual(publication["kinds"] as? [String], ["audio", "video"])
        XCTAssertEqual(publication["muted"] as? [String: Bool], ["audio": false, "video": true])

        let subscribed = await grace.request(["type": "subscribe", "id": 3, "publicationId": publicationID, "offer": offer("audio", "video")])
        let subscription = try XCTUnwrap(subscribed.first)
        XCTAssertEqual(subscription.type, "subscribed")
        XCTAssertEqual(subscription.string("publicationId"), publicationID)
        let subscriptionID = try XCTUnwrap(subscription.string("subscriptionId"))
        return (ada, grace, publicationID, subscriptionID)
    }

    func testPublishAndSubscribe() async throws {
        let server = try await TestServer()
        let (_, _, publicationID, _) = try await setUp(server)
        // Starting with video muted means the media node does not forward it.
        XCTAssertTrue(server.media.calls.contains(.setForwarding(publicationID, .video, false)))
        XCTAssertTrue(server.media.calls.contains(.subscribe(publication: publicationID)))
        // A newcomer sees the publication in its snapshot.
        let late = try await server.joined(name: "Late")
        let participants = try XCTUnwrap((late.joined?["room"] as? [String: Any])?["participants"] as? [[String: Any]])
        let publications = participants.compactMap { $0["publications"] as? [[String: Any]] }.flatMap { $0 }
        XCTAssertEqual(publications.map { $0["id"] as? String }, [publicationID])
    }

    func testPublishErrors() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        _ = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        var replies = await ada.request(["type": "publish", "id": 2, "source": "camera", "offer": offer("audio")])
        XCTAssertEqual(replies.first?.string("code"), "already_published")
        XCTAssertEqual(replies.first?["re"] as? Int, 2)
        replies = await ada.request(["type": "publish", "id": 3, "source": "screen", "offer": offer("audio")])
        XCTAssertEqual(replies.first?.string("code"), "bad_sdp", "a screen share needs video")
        replies = await ada.request(["type": "publish", "id": 4, "source": "screen", "offer": offer("video") + "a=BAD-SDP\r\n"])
        XCTAssertEqual(replies.first?.string("code"), "bad_sdp")
        replies = await ada.request(["type": "publish", "id": 5, "source": "screen", "offer": offer("video") + "a=NO-CODEC\r\n"])
        XCTAssertEqual(replies.first?.string("code"), "no_common_codec")
        // A failed publish frees the source.
        replies = await ada.request(["type": "publish", "id": 6, "source": "screen", "offer": offer("video")])
        XCTAssertEqual(replies.first?.type, "published")
        _ = await ada.request(["type": "unpublish", "publicationId": replies.first?.string("publicationId") ?? ""])
        await server.room()?.settle()
        server.media.failNextCall(with: .capacity("no ports"))
        replies = await ada.request(["type": "publish", "id": 7, "source": "screen", "offer": offer("video")])
        XCTAssertEqual(replies.first?.string("code"), "internal")
        XCTAssertTrue(replies.first?.string("message")?.contains("no ports") == true)
    }

    func testGrantsAreChecked() async throws {
        let server = try await TestServer()
        let viewer = try await server.joined(name: "Viewer", grants: Grants(subscribe: true))
        var replies = await viewer.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio")])
        XCTAssertEqual(replies.first?.string("code"), "forbidden")
        let speaker = try await server.joined(name: "Speaker", grants: Grants(publish: true))
        let published = await speaker.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        replies = await speaker.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio")])
        XCTAssertEqual(replies.first?.string("code"), "forbidden")
        replies = await viewer.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio")])
        XCTAssertEqual(replies.last?.type, "subscribed")
    }

    func testNotFound() async throws {
        let server = try await TestServer()
        let (ada, grace, publicationID, _) = try await setUp(server)
        let cases: [(TestClient, [String: Any])] = [
            (grace, ["type": "subscribe", "id": 1, "publicationId": "local.nothing", "offer": offer("audio")]),
            (grace, ["type": "unsubscribe", "id": 1, "subscriptionId": "nothing"]),
            (grace, ["type": "pause", "id": 1, "subscriptionId": "nothing", "kind": "video", "paused": true]),
            (grace, ["type": "unpublish", "id": 1, "publicationId": publicationID]),  // not hers
            (grace, ["type": "mute", "id": 1, "publicationId": publicationID, "kind": "audio", "muted": true]),
            (ada, ["type": "mute", "id": 1, "publicationId": "local.other", "kind": "audio", "muted": true]),
        ]
        for (client, message) in cases {
            let replies = await client.request(message)
            XCTAssertEqual(replies.first?.string("code"), "not_found", "\(message)")
            XCTAssertEqual(replies.first?["re"] as? Int, 1)
        }
        // A publication from another room is not found either.
        let elsewhere = try await server.joined(room: "other", name: "Far")
        let replies = await elsewhere.request(["type": "subscribe", "id": 1, "publicationId": publicationID, "offer": offer("audio")])
        XCTAssertEqual(replies.first?.string("code"), "not_found")
    }

    func testPauseAndUnsubscribe() async throws {
        let server = try await TestServer()
        let (_, grace, _, subscriptionID) = try await setUp(server)
        var replies = await grace.request(["type": "pause", "id": 4, "subscriptionId": subscriptionID, "kind": "video", "paused": true])
        XCTAssertEqual(replies.first?.type, "paused")
        XCTAssertEqual(replies.first?["paused"] as? Bool, true)
        XCTAssertEqual(replies.first?.string("kind"), "video")
        XCTAssertTrue(server.media.calls.contains(.setPaused(subscriptionID, .video, true)))
        replies = await grace.request(["type": "unsubscribe", "id": 5, "subscriptionId": subscriptionID])
        XCTAssertEqual(replies.first?.type, "unsubscribed")
        await server.room()?.settle()
        XCTAssertTrue(server.media.calls.contains(.unsubscribe(subscriptionID)))
        XCTAssertFalse(server.media.liveSubscriptions.contains(subscriptionID))
    }

    func testSelfMuteTellsOthersAndStopsForwarding() async throws {
        let server = try await TestServer()
        let (ada, grace, publicationID, _) = try await setUp(server)
        let replies = await ada.request(["type": "mute", "id": 6, "publicationId": publicationID, "kind": "audio", "muted": true])
        XCTAssertEqual(replies.first?.type, "muted")
        XCTAssertEqual(replies.first?["muted"] as? Bool, true)
        let event = try XCTUnwrap(grace.first("track.muted"))
        XCTAssertEqual(event.string("participantId"), ada.participantID)
        XCTAssertEqual(event.string("publicationId"), publicationID)
        XCTAssertEqual(event.string("kind"), "audio")
        XCTAssertEqual(event["muted"] as? Bool, true)
        XCTAssertEqual(event.string("by"), "self")
        XCTAssertTrue(server.media.calls.contains(.setForwarding(publicationID, .audio, false)))
        _ = await ada.request(["type": "mute", "id": 7, "publicationId": publicationID, "kind": "audio", "muted": false])
        XCTAssertTrue(server.media.calls.contains(.setForwarding(publicationID, .audio, true)))
        XCTAssertEqual(grace.first("track.muted")?["muted"] as? Bool, false)
    }

    func testUnpublishEndsOthersSubscriptions() async throws {
        let server = try await TestServer()
        let (ada, grace, publicationID, subscriptionID) = try await setUp(server)
        let replies = await ada.request(["type": "unpublish", "id": 8, "publicationId": publicationID])
        XCTAssertEqual(replies.first?.type, "unpublished")
        let event = try XCTUnwrap(grace.first("track.unpublished"))
        XCTAssertEqual(event.string("publicationId"), publicationID)
        XCTAssertEqual(event.string("participantId"), ada.participantID)
        await server.room()?.settle()
        XCTAssertTrue(server.media.calls.contains(.unpublish(publicationID)))
        XCTAssertTrue(server.media.calls.contains(.unsubscribe(subscriptionID)))
        // Grace's subscription is gone from the room too.
        let again = await grace.request(["type": "pause", "id": 1, "subscriptionId": subscriptionID, "kind": "video", "paused": false])
        XCTAssertEqual(again.first?.string("code"), "not_found")
        // The source is free again.
        let republished = await ada.request(["type": "publish", "id": 9, "source": "camera", "offer": offer("audio")])
        XCTAssertEqual(republished.first?.type, "published")
    }

    /// A publication that ends on its node without signaling asking (the publisher's
    /// connection failed, or a WHIP DELETE went to the node) is ended in the room too: the
    /// others are told and their subscriptions to it end. A publication made while the node
    /// was being asked is left alone.
    func testAPublicationEndedOnItsNodeIsEndedInTheRoom() async throws {
        let server = try await TestServer()
        let (ada, grace, publicationID, subscriptionID) = try await setUp(server)
        let room = try XCTUnwrap(server.room())
        await room.pollQuality()
        XCTAssertNil(grace.first("track.unpublished"), "a publication the node still holds stays")

        server.media.endOnNode(publication: publicationID)
        await room.pollQuality()
        let event = try XCTUnwrap(grace.first("track.unpublished"))
        XCTAssertEqual(event.string("publicationId"), publicationID)
        XCTAssertEqual(event.string("participantId"), ada.participantID)
        await room.settle()
        XCTAssertTrue(server.media.calls.contains(.unsubscribe(subscriptionID)))
        let again = await grace.request(["type": "pause", "id": 4, "subscriptionId": subscriptionID, "kind": "video", "paused": false])
        XCTAssertEqual(again.first?.string("code"), "not_found")
        // Ada may share her camera again.
        let republished = await ada.request(["type": "publish", "id": 9, "source": "camera", "offer": offer("audio")])
        XCTAssertEqual(republished.first?.type, "published")
    }

    func testAPublicationIsKeptWhileItsNodeDoesNotAnswer() async throws {
        let server = try await TestServer()
        let (_, grace, publicationID, _) = try await setUp(server)
        let room = try XCTUnwrap(server.room())
        server.media.endOnNode(publication: publicationID)
        server.media.failNextCall(with: .internalFailure("node unreachable"))
        await room.pollQuality()
        XCTAssertNil(grace.first("track.unpublished"), "no answer is not an answer that it ended")
    }
}
