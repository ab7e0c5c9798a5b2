import Auth
import MediaAPI
import XCTest
@testable import Control

/// docs/signaling.md, *Host controls*: mute, remove, lock, end; only for hosts.
final class HostControlTests: XCTestCase {
    func testOnlyHostsMayUseHostControls() async throws {
        let server = try await TestServer()
        let host = try await server.joined(name: "Host")
        let guest = try await server.joined(name: "Guest")
        let messages: [[String: Any]] = [
            ["type": "host.mute", "id": 1, "participantId": host.participantID, "kind": "audio"],
            ["type": "host.remove", "id": 1, "participantId": host.participantID],
            ["type": "host.lock", "id": 1, "locked": true],
            ["type": "host.end", "id": 1],
        ]
        for message in messages {
            let replies = await guest.request(message)
            XCTAssertEqual(replies.first?.string("code"), "forbidden", "\(message)")
            XCTAssertEqual(replies.first?["re"] as? Int, 1)
        }
        XCTAssertFalse(guest.outbox.isFinished)
        for message: [String: Any] in [["type": "host.mute", "id": 2, "participantId": "p_nobody", "kind": "audio"],
                                       ["type": "host.remove", "id": 2, "participantId": "p_nobody"]] {
            let replies = await host.request(message)
            XCTAssertEqual(replies.first?.string("code"), "not_found")
        }
    }

    func testHostMute() async throws {
        let server = try await TestServer()
        let host = try await server.joined(name: "Host")
        let guest = try await server.joined(name: "Guest")
        let other = try await server.joined(name: "Other")
        let published = await guest.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        _ = host.received(); _ = other.received()

        let replies = await host.request(["type": "host.mute", "id": 3, "participantId": guest.participantID, "kind": "audio"])
        XCTAssertEqual(replies.map(\.type), ["track.muted", "ok"])
        XCTAssertEqual(replies.last?["re"] as? Int, 3)
        for client in [guest, other] {
            let event = try XCTUnwrap(client.first("track.muted"))
            XCTAssertEqual(event.string("participantId"), guest.participantID)
            XCTAssertEqual(event.string("publicationId"), publicationID)
            XCTAssertEqual(event.string("kind"), "audio")
            XCTAssertEqual(event["muted"] as? Bool, true)
            XCTAssertEqual(event.string("by"), host.participantID)
        }
        XCTAssertTrue(server.media.calls.contains(.setForwarding(publicationID, .audio, false)))
        // Until the participant unmutes itself.
        _ = await guest.request(["type": "mute", "id": 4, "publicationId": publicationID, "kind": "audio", "muted": false])
        XCTAssertEqual(server.media.calls.last, .setForwarding(publicationID, .audio, true))
        XCTAssertEqual(host.first("track.muted")?.string("by"), "self")
    }

    func testHostRemove() async throws {
        let server = try await TestServer()
        let host = try await server.joined(name: "Host")
        let guest = try await server.joined(name: "Guest")
        let published = await guest.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        let hostPublished = await host.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let hostPublicationID = try XCTUnwrap(hostPublished.first { $0.type == "published" }?.string("publicationId"))
        let hostSubscription = await host.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio", "video")])
        let hostSubscriptionID = try XCTUnwrap(hostSubscription.first { $0.type == "subscribed" }?.string("subscriptionId"))
        let guestSubscription = await guest.request(["type": "subscribe", "id": 2, "publicationId": hostPublicationID, "offer": offer("audio", "video")])
        let guestSubscriptionID = try XCTUnwrap(guestSubscription.first { $0.type == "subscribed" }?.string("subscriptionId"))
        _ = guest.received()

        let replies = await host.request(["type": "host.remove", "id": 5, "participantId": guest.participantID, "reason": "spam"])
        XCTAssertEqual(replies.map(\.type), ["ok", "track.unpublished", "participant.left"])
        XCTAssertEqual(replies[1].string("publicationId"), publicationID)
        XCTAssertEqual(replies[2].string("reason"), "removed")
        let removed = guest.received()
        XCTAssertEqual(removed.first?.type, "removed")
        XCTAssertEqual(removed.first?.string("reason"), "spam")
        XCTAssertEqual(removed.first?.string("by"), host.participantID)
        XCTAssertEqual(removed.last?.closeCode, 1000)

        await server.room()?.settle()
        let calls = server.media.calls
        XCTAssertTrue(calls.contains(.unpublish(publicationID)), "its publications end")
        XCTAssertTrue(calls.contains(.unsubscribe(guestSubscriptionID)), "its subscriptions end")
        XCTAssertTrue(calls.contains(.unsubscribe(hostSubscriptionID)), "others' subscriptions to it end")
        XCTAssertFalse(calls.contains(.unpublish(hostPublicationID)))
        // The removed socket's late close is harmless.
        await guest.drop()
        XCTAssertTrue(host.received().isEmpty)
    }

    func testLockRefusesNewcomersButNotReconnects() async throws {
        let server = try await TestServer()
        let host = try await server.joined(name: "Host")
        let guest = try await server.joined(name: "Guest")
        _ = host.received()
        let replies = await host.request(["type": "host.lock", "id": 1, "locked": true])
        XCTAssertEqual(replies.map(\.type), ["ok", "room.locked"])
        let locked = try XCTUnwrap(guest.first("room.locked"))
        XCTAssertEqual(locked["locked"] as? Bool, true)
        XCTAssertEqual(locked.string("by"), host.participantID)

        let late = server.connect()
        let refused = await late.request(["type": "join", "id": 1, "protocol": 1, "token": try await server.token()])
        XCTAssertEqual(refused.first?.string("code"), "room_locked")
        XCTAssertEqual(refused.last?.closeCode, 4403)

        await guest.drop()
        let back = server.connect()
        await back.send(["type": "join", "protocol": 1, "token": try await server.token(identity: "id-guest"),
                         "resume": ["participantId": guest.participantID, "resumeToken": guest.joined?.string("resumeToken") ?? ""]])
        XCTAssertEqual(back.first("joined")?.string("participantId"), guest.participantID)

        _ = await host.request(["type": "host.lock", "id": 2, "locked": false])
        _ = try await server.joined(name: "Now")
    }

    func testEndClosesEverythingAndTheNameStaysEnded() async throws {
        let server = try await TestServer { $0.endedRoomRetentionSeconds = 60 }
        let host = try await server.joined(name: "Host")
        let guest = try await server.joined(name: "Guest")
        let published = await guest.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        let subscribed = await host.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio", "video")])
        let subscriptionID = try XCTUnwrap(subscribed.first { $0.type == "subscribed" }?.string("subscriptionId"))
        _ = guest.received()
        let room = try XCTUnwrap(server.room())

        let replies = await host.request(["type": "host.end", "id": 3, "reason": "thanks all"])
        XCTAssertEqual(replies.map(\.type), ["ok", "room.ended", "<close>"])
        XCTAssertEqual(replies.last?.closeCode, 1000)
        let guestSaw = guest.received()
        XCTAssertEqual(guestSaw.first?.type, "room.ended")
        XCTAssertEqual(guestSaw.first?.string("reason"), "thanks all")
        XCTAssertEqual(guestSaw.first?.string("by"), host.participantID)
        XCTAssertEqual(guestSaw.last?.closeCode, 1000)
        XCTAssertEqual(server.service.registry.roomCount, 0)

        XCTAssertNil(server.room())
        await room.settle()
        XCTAssertTrue(server.media.calls.contains(.unpublish(publicationID)))
        XCTAssertTrue(server.media.calls.contains(.unsubscribe(subscriptionID)))
        XCTAssertTrue(server.media.livePublications.isEmpty)
        let late = server.connect()
        let refused = await late.request(["type": "join", "protocol": 1, "token": try await server.token()])
        XCTAssertEqual(refused.first?.string("code"), "room_ended")
        XCTAssertEqual(refused.last?.closeCode, 4410)

        server.clock.advance(seconds: 61)
        _ = try await server.joined(name: "Next day")
    }

    func testLongestPresentParticipantBecomesHostWhenTheLastHostLeaves() async throws {
        let server = try await TestServer()
        let host = try await server.joined(name: "Host")
        let first = try await server.joined(name: "First")
        let second = try await server.joined(name: "Second")
        _ = first.received(); _ = second.received()

        // Reconnecting is not leaving: the host keeps the role for the grace period.
        await host.drop()
        XCTAssertNil(second.first("room.hosts"))
        server.clock.advance(seconds: 31)
        await server.room()?.expireReconnecting()

        for client in [first, second] {
            let event = try XCTUnwrap(client.first("room.hosts"))
            XCTAssertEqual(event.string("promoted"), first.participantID)
            XCTAssertEqual(event["hostIds"] as? [String], [first.participantID])
        }
        let replies = await first.request(["type": "host.lock", "id": 1, "locked": true])
        XCTAssertEqual(replies.first?.type, "ok")
        // A guest leaving changes nothing.
        _ = await second.request(["type": "leave"])
        XCTAssertNil(first.first("room.hosts"))
    }
}
