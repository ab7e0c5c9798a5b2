import Auth
import MediaAPI
import XCTest
@testable import Control

/// docs/signaling.md, *Connecting* and *Reconnection*, and the errors that close the socket.
final class JoinTests: XCTestCase {
    func testJoinedCarriesRoomStateICEAndLimits() async throws {
        let server = try await TestServer {
            $0.turnURLs = ["turn:127.0.0.1:3478?transport=udp"]
            $0.turnSecret = "north-sea-secret"
        }
        let ada = try await server.joined(name: "Ada")
        let joined = try XCTUnwrap(ada.joined)
        XCTAssertEqual(joined["re"] as? Int, 1)
        XCTAssertTrue(ada.participantID.hasPrefix("p_"))
        XCTAssertTrue(joined.string("resumeToken")?.hasPrefix("r_") == true)
        XCTAssertEqual(joined["resumed"] as? Bool, false)
        let room = try XCTUnwrap(joined["room"] as? [String: Any])
        XCTAssertEqual(room["name"] as? String, "standup")
        XCTAssertEqual(room["locked"] as? Bool, false)
        XCTAssertEqual(room["hostIds"] as? [String], [ada.participantID])
        XCTAssertEqual((room["participants"] as? [Any])?.count, 0)
        let ice = try XCTUnwrap((joined["iceServers"] as? [[String: Any]])?.first)
        let username = try XCTUnwrap(ice["username"] as? String)
        XCTAssertEqual(username, "\(1_763_900_000 + 86_400):\(ada.participantID)")
        XCTAssertEqual(ice["credential"] as? String, TURNCredentials.credential(secret: "north-sea-secret", username: username))
        XCTAssertEqual(ice["urls"] as? [String], ["turn:127.0.0.1:3478?transport=udp"])
        let limits = try XCTUnwrap(joined["limits"] as? [String: Any])
        XCTAssertEqual(limits["maxMessageBytes"] as? Int, 65536)
        XCTAssertEqual(limits["maxParticipants"] as? Int, 50)

        let grace = try await server.joined(name: "Grace")
        let graceRoom = try XCTUnwrap(grace.joined?["room"] as? [String: Any])
        let others = try XCTUnwrap(graceRoom["participants"] as? [[String: Any]])
        XCTAssertEqual(others.map { $0["id"] as? String }, [ada.participantID])
        XCTAssertEqual(others.first?["name"] as? String, "Ada")
        XCTAssertEqual(others.first?["host"] as? Bool, true)
        XCTAssertEqual(others.first?["state"] as? String, "active")
        XCTAssertEqual(graceRoom["hostIds"] as? [String], [ada.participantID])
        XCTAssertEqual((grace.joined?["iceServers"] as? [Any])?.count, 1)

        let event = try XCTUnwrap(ada.first("participant.joined"))
        let participant = try XCTUnwrap(event["participant"] as? [String: Any])
        XCTAssertEqual(participant["id"] as? String, grace.participantID)
        XCTAssertEqual(participant["name"] as? String, "Grace")
        XCTAssertEqual(participant["host"] as? Bool, false)
    }

    func testNoICEServersWithoutTURN() async throws {
        let server = try await TestServer()
        let ada = try await server.joined()
        XCTAssertEqual((ada.joined?["iceServers"] as? [Any])?.count, 0)
    }

    func testAdminGrantMakesAHost() async throws {
        let server = try await TestServer()
        let first = try await server.joined(name: "First")
        let admin = try await server.joined(name: "Boss", grants: Grants(publish: true, subscribe: true, admin: true))
        let room = try XCTUnwrap(admin.joined?["room"] as? [String: Any])
        XCTAssertEqual(Set(room["hostIds"] as? [String] ?? []), [first.participantID, admin.participantID])
    }

    func testMessagesBeforeJoinAreNotJoined() async throws {
        let server = try await TestServer()
        let client = server.connect()
        let replies = await client.request(["type": "ping", "id": 4])
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(replies.first?.string("code"), "not_joined")
        XCTAssertEqual(replies.first?["re"] as? Int, 4)
        XCTAssertFalse(client.outbox.isFinished, "not_joined keeps the socket open")
    }

    /// The join deadline (SignalingSocket calls this `joinTimeoutSeconds` after the socket
    /// opened): a socket that sent no `join` — other messages do not count — is closed with
    /// 1008 after a `not_joined`; a joined one is left alone.
    func testASocketThatDoesNotJoinInTimeIsClosed() async throws {
        let server = try await TestServer()
        let idle = server.connect()
        _ = await idle.request(["type": "ping", "id": 1])
        await idle.session.closeUnlessJoined()
        let sent = idle.received()
        XCTAssertEqual(sent.first?.string("code"), "not_joined")
        XCTAssertEqual(sent.last?.closeCode, 1008)

        let ada = try await server.joined(name: "Ada")
        _ = ada.received()
        await ada.session.closeUnlessJoined()
        XCTAssertTrue(ada.received().isEmpty, "a joined socket stays")
        XCTAssertFalse(ada.outbox.isFinished)
    }

    func testUnsupportedProtocolCloses() async throws {
        let server = try await TestServer()
        let client = server.connect()
        let replies = await client.request(["type": "join", "id": 1, "protocol": 2, "token": try await server.token()])
        XCTAssertEqual(replies.first?.string("code"), "unsupported_protocol")
        XCTAssertEqual(replies.last?.closeCode, 4400)
    }

    func testForgedExpiredOrMissingTokensAreUnauthorized() async throws {
        let server = try await TestServer()
        let otherKeys = try await KeyService(apiKey: TestServer.apiKey, apiSecret: String(repeating: "z", count: 40))
        let forged = try await otherKeys.sign(AccessToken(apiKey: TestServer.apiKey, identity: "mallory", room: "standup",
                                                          grants: Grants(admin: true), expiresAt: Date().addingTimeInterval(60)))
        let expired = try await server.token(expiresIn: -60)
        for token in [forged, expired, "", "not.a.jwt"] {
            let client = server.connect()
            let replies = await client.request(["type": "join", "id": 1, "protocol": 1, "token": token])
            XCTAssertEqual(replies.first?.string("code"), "unauthorized", token)
            XCTAssertEqual(replies.last?.closeCode, 4401, token)
        }
        let invalidRoom = try await server.token(room: "no spaces allowed")
        let client = server.connect()
        let replies = await client.request(["type": "join", "protocol": 1, "token": invalidRoom])
        XCTAssertEqual(replies.first?.string("code"), "unauthorized")
    }

    func testRoomFull() async throws {
        let server = try await TestServer { $0.maxParticipants = 2 }
        _ = try await server.joined(name: "A")
        _ = try await server.joined(name: "B")
        let third = server.connect()
        let replies = await third.request(["type": "join", "id": 1, "protocol": 1, "token": try await server.token()])
        XCTAssertEqual(replies.first?.string("code"), "room_full")
        XCTAssertEqual(replies.last?.closeCode, 4403)
    }

    func testTooManyRooms() async throws {
        let server = try await TestServer { $0.maxRooms = 2 }
        _ = try await server.joined(room: "one")
        _ = try await server.joined(room: "two")
        let client = server.connect()
        let replies = await client.request(["type": "join", "protocol": 1, "token": try await server.token(room: "three")])
        XCTAssertEqual(replies.first?.string("code"), "too_many_rooms")
        XCTAssertEqual(replies.last?.closeCode, 4403)
        // Joining an existing room is still fine.
        _ = try await server.joined(room: "two", name: "Late")
    }

    func testEmptyRoomsAreForgotten() async throws {
        let server = try await TestServer { $0.maxRooms = 1 }
        let ada = try await server.joined(room: "one")
        _ = await ada.request(["type": "leave"])
        XCTAssertEqual(server.service.registry.roomCount, 0)
        _ = try await server.joined(room: "two")
    }

    func testLeave() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        let replies = await grace.request(["type": "leave"])
        XCTAssertEqual(replies.last?.closeCode, 1000)
        let left = try XCTUnwrap(ada.first("participant.left"))
        XCTAssertEqual(left.string("participantId"), grace.participantID)
        XCTAssertEqual(left.string("reason"), "left")
        // Closing the transport afterwards changes nothing.
        await grace.drop()
        XCTAssertTrue(ada.received().isEmpty)
    }

    func testDropThenResumeKeepsThePlace() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let published = await grace.request(["type": "publish", "id": 2, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first { $0.type == "published" }?.string("publicationId"))
        _ = ada.received()

        await grace.drop()
        let reconnecting = try XCTUnwrap(ada.first("participant.reconnecting"))
        XCTAssertEqual(reconnecting.string("participantId"), grace.participantID)
        // Others see the state in a fresh snapshot too.
        let late = try await server.joined(name: "Late")
        let snapshot = try XCTUnwrap((late.joined?["room"] as? [String: Any])?["participants"] as? [[String: Any]])
        XCTAssertEqual(snapshot.first { $0["id"] as? String == grace.participantID }?["state"] as? String, "reconnecting")
        _ = ada.received()

        server.clock.advance(seconds: 20)
        await server.room()?.expireReconnecting()
        let back = server.connect()
        let resumeToken = try XCTUnwrap(grace.joined?.string("resumeToken"))
        await back.send(["type": "join", "id": 9, "protocol": 1, "token": try await server.token(identity: "id-grace"),
                         "resume": ["participantId": grace.participantID, "resumeToken": resumeToken]])
        let joined = try XCTUnwrap(back.first("joined"))
        XCTAssertEqual(joined.string("participantId"), grace.participantID)
        XCTAssertEqual(joined["resumed"] as? Bool, true)
        XCTAssertNotEqual(joined.string("resumeToken"), resumeToken)
        let me = try XCTUnwrap(joined["self"] as? [String: Any])
        XCTAssertEqual((me["publications"] as? [[String: Any]])?.first?["id"] as? String, publicationID)

        let events = ada.received()
        XCTAssertEqual(events.map(\.type), ["participant.reconnected"], "never a leave/join pair")
        XCTAssertFalse(server.media.calls.contains(.unpublish(publicationID)), "media stays up while reconnecting")

        // The old resume token is spent.
        let thief = server.connect()
        await thief.send(["type": "join", "protocol": 1, "token": try await server.token(identity: "id-grace"),
                          "resume": ["participantId": grace.participantID, "resumeToken": resumeToken]])
        XCTAssertNotEqual(thief.first("joined")?.string("participantId"), grace.participantID)
    }

    func testGraceExpiryEndsMediaAndSaysTimeout() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let published = await grace.request(["type": "publish", "id": 2, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first { $0.type == "published" }?.string("publicationId"))
        let subscribed = await ada.request(["type": "subscribe", "id": 3, "publicationId": publicationID, "offer": offer("audio", "video")])
        let subscriptionID = try XCTUnwrap(subscribed.first { $0.type == "subscribed" }?.string("subscriptionId"))

        await grace.drop()
        _ = ada.received()
        server.clock.advance(seconds: 29)
        await server.room()?.expireReconnecting()
        XCTAssertTrue(ada.received().isEmpty)
        server.clock.advance(seconds: 1.5)
        await server.room()?.tick()
        let events = ada.received()
        XCTAssertEqual(events.map(\.type), ["track.unpublished", "participant.left"])
        XCTAssertEqual(events.last?.string("reason"), "timeout")
        await server.room()?.settle()
        XCTAssertTrue(server.media.calls.contains(.unsubscribe(subscriptionID)))
        XCTAssertTrue(server.media.calls.contains(.unpublish(publicationID)))
        XCTAssertTrue(server.media.livePublications.isEmpty)

        // Too late to resume: a new participant.
        let back = server.connect()
        await back.send(["type": "join", "protocol": 1, "token": try await server.token(identity: "id-grace"),
                         "resume": ["participantId": grace.participantID, "resumeToken": grace.joined?.string("resumeToken") ?? ""]])
        let joined = try XCTUnwrap(back.first("joined"))
        XCTAssertNotEqual(joined.string("participantId"), grace.participantID)
        XCTAssertEqual(joined["resumed"] as? Bool, false)
    }

    func testResumeWhileTheOldSocketLooksAliveReplacesIt() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        let back = server.connect()
        await back.send(["type": "join", "protocol": 1, "token": try await server.token(identity: "id-grace"),
                         "resume": ["participantId": grace.participantID, "resumeToken": grace.joined?.string("resumeToken") ?? ""]])
        XCTAssertEqual(back.first("joined")?.string("participantId"), grace.participantID)
        XCTAssertEqual(grace.received().last?.closeCode, 4409)
        XCTAssertTrue(ada.received().isEmpty, "the others never saw it leave")
        // The old socket's close must not mark the resumed participant as reconnecting.
        await grace.drop()
        XCTAssertTrue(ada.received().isEmpty)
        let pong = await back.request(["type": "ping", "id": 1])
        XCTAssertEqual(pong.first?.type, "pong")
    }

    func testResumeNeedsTheSameIdentity() async throws {
        let server = try await TestServer()
        let grace = try await server.joined(name: "Grace")
        await grace.drop()
        let other = server.connect()
        await other.send(["type": "join", "protocol": 1, "token": try await server.token(identity: "someone-else"),
                          "resume": ["participantId": grace.participantID, "resumeToken": grace.joined?.string("resumeToken") ?? ""]])
        XCTAssertNotEqual(other.first("joined")?.string("participantId"), grace.participantID)
    }

    func testJoinTwiceOnOneSocket() async throws {
        let server = try await TestServer()
        let ada = try await server.joined()
        let replies = await ada.request(["type": "join", "id": 5, "protocol": 1, "token": try await server.token()])
        XCTAssertEqual(replies.first?.string("code"), "bad_message")
        XCTAssertEqual(replies.first?["re"] as? Int, 5)
    }
}
