import MediaAPI
import XCTest
@testable import Control

/// Chat, active speakers and connection quality.
final class ActivityTests: XCTestCase {
    func testChatReachesEveryoneWithServerTimeAndID() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        _ = ada.received()
        let replies = await ada.request(["type": "chat", "id": 11, "text": "hello 👋"])
        XCTAssertEqual(replies.map(\.type), ["chat.sent", "chat"])
        let messageID = try XCTUnwrap(replies[0].string("messageId"))
        XCTAssertEqual(replies[0]["re"] as? Int, 11)
        let chat = try XCTUnwrap(grace.first("chat"))
        XCTAssertEqual(chat.string("from"), ada.participantID)
        XCTAssertEqual(chat.string("name"), "Ada")
        XCTAssertEqual(chat.string("text"), "hello 👋")
        XCTAssertEqual((chat["ts"] as? NSNumber)?.int64Value, 1_763_900_000_000)
        XCTAssertEqual(chat.string("messageId"), messageID)
        XCTAssertEqual(replies[1].string("messageId"), messageID)
    }

    func testSpeakersOnlyWhileThereIsAudioAndOnlyOnChange() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let room = try XCTUnwrap(server.room())
        await room.pollSpeakers()
        XCTAssertFalse(server.media.calls.contains(.audioLevels), "no audio, no polling")

        let adaPublished = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let adaPub = try XCTUnwrap(adaPublished.first?.string("publicationId"))
        let gracePublished = await grace.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio")])
        let gracePub = try XCTUnwrap(gracePublished.first { $0.type == "published" }?.string("publicationId"), "\(gracePublished)")
        _ = ada.received(); _ = grace.received()

        server.media.setLevels([AudioLevelReport(resourceId: adaPub, level: 0.2, voiceActivity: 1),
                                AudioLevelReport(resourceId: gracePub, level: 0.5, voiceActivity: 1),
                                AudioLevelReport(resourceId: "local.unknown", level: 0.9, voiceActivity: 1)])
        await room.pollSpeakers()
        let event = try XCTUnwrap(ada.first("speakers"))
        let speakers = try XCTUnwrap(event["speakers"] as? [[String: Any]])
        XCTAssertEqual(speakers.map { $0["participantId"] as? String }, [grace.participantID, ada.participantID], "loudest first")
        XCTAssertEqual(speakers.first?["level"] as? Double, 0.5)
        _ = grace.received()

        // A small wobble is not news.
        server.media.setLevels([AudioLevelReport(resourceId: adaPub, level: 0.22, voiceActivity: 1),
                                AudioLevelReport(resourceId: gracePub, level: 0.47, voiceActivity: 1)])
        await room.pollSpeakers()
        XCTAssertNil(ada.first("speakers"))

        // Ada goes quiet: news.
        server.media.setLevels([AudioLevelReport(resourceId: adaPub, level: 0.0, voiceActivity: 0),
                                AudioLevelReport(resourceId: gracePub, level: 0.5, voiceActivity: 1)])
        await room.pollSpeakers()
        let quieter = try XCTUnwrap(grace.first("speakers")?["speakers"] as? [[String: Any]])
        XCTAssertEqual(quieter.map { $0["participantId"] as? String }, [grace.participantID])

        // The last audio ends: one empty list, then no more polling.
        _ = await grace.request(["type": "unpublish", "publicationId": gracePub])
        _ = await ada.request(["type": "unpublish", "publicationId": adaPub])
        _ = ada.received()
        server.media.clearCalls()
        await room.pollSpeakers()
        XCTAssertEqual((ada.first("speakers")?["speakers"] as? [Any])?.count, 0)
        await room.pollSpeakers()
        XCTAssertNil(ada.first("speakers"))
        XCTAssertFalse(server.media.calls.contains(.audioLevels))
    }

    func testSpeakerDetector() {
        var detector = SpeakerDetector()
        XCTAssertNil(detector.update(levels: []))
        XCTAssertEqual(detector.update(levels: [("a", 0.3), ("b", 0.005), ("a", 0.6)]), [SpeakerLevel(participantId: "a", level: 0.6)])
        XCTAssertNil(detector.update(levels: [("a", 0.65)]))
        XCTAssertNotNil(detector.update(levels: [("a", 0.75)]))
        XCTAssertEqual(detector.update(levels: [("a", 0.7), ("b", 0.8)])?.map(\.participantId), ["b", "a"])
        XCTAssertEqual(detector.update(levels: []), [])
    }

    func testQualityFromClientReportsAndMediaStats() async throws {
        let server = try await TestServer()
        let ada = try await server.joined(name: "Ada")
        let grace = try await server.joined(name: "Grace")
        let room = try XCTUnwrap(server.room())
        let published = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"))
        _ = grace.received()

        // Reports have no reply; a change is broadcast to everyone.
        var replies = await ada.request(["type": "quality", "packetLoss": 0.0, "rttMs": 30, "jitterMs": 5])
        XCTAssertEqual(replies.map(\.type), ["quality"])
        XCTAssertEqual(replies.first?.string("quality"), "excellent")
        XCTAssertEqual(grace.first("quality")?.string("participantId"), ada.participantID)
        replies = await ada.request(["type": "quality", "packetLoss": 0.01, "rttMs": 35])
        XCTAssertTrue(replies.isEmpty, "no change, no broadcast")

        // The media node sees loss the client does not report: the worse wins.
        server.media.setStats([SessionStats(sessionId: publicationID, role: .publish, connected: true, lossFraction: 0.15, roundTripMillis: 80)])
        await room.pollQuality()
        XCTAssertEqual(grace.first("quality")?.string("quality"), "poor")

        server.media.setStats([SessionStats(sessionId: publicationID, role: .publish, connected: false, lossFraction: 0, roundTripMillis: nil)])
        await room.pollQuality()
        XCTAssertEqual(grace.first("quality")?.string("quality"), "lost")

        server.media.setStats([SessionStats(sessionId: publicationID, role: .publish, connected: true, lossFraction: 0.05, roundTripMillis: 100)])
        await room.pollQuality()
        XCTAssertEqual(grace.first("quality")?.string("quality"), "good")
    }

    func testQualityGrades() {
        XCTAssertEqual(QualityGrader.grade(loss: 0, rttMs: 50), .excellent)
        XCTAssertEqual(QualityGrader.grade(loss: 0.05, rttMs: 50), .good)
        XCTAssertEqual(QualityGrader.grade(loss: 0, rttMs: 300), .good)
        XCTAssertEqual(QualityGrader.grade(loss: 0.2, rttMs: nil), .poor)
        XCTAssertNil(QualityGrader.combine(report: nil, sessions: []))
    }
}
