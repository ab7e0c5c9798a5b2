import MediaAPI
import Synchronization
import XCTest
@testable import Control

/// Several media nodes (docs/deploy.md): each participant uses the node of its zone, media
/// calls go to the participant's node or to the node a resource id names, and a dead node's
/// participants move (`media.moved`) while everyone else's media stays.
final class MultiNodeTests: XCTestCase {
    /// Zones by address prefix: "10.1." → office, anything else → cloud; a dead node is skipped
    /// and its zone falls back to the other node.
    final class FakeMediaNodes: MediaNodes {
        let office = FakeMediaAPI(node: "office")
        let cloud = FakeMediaAPI(node: "cloud")
        private let down = Mutex<Set<String>>([])

        func fail(_ node: String) { down.withLock { _ = $0.insert(node) } }

        func place(room: String, clientAddress: String?, avoiding: Set<String>) async -> String? {
            let preferred = (clientAddress ?? "").hasPrefix("10.1.") ? ["office", "cloud"] : ["cloud", "office"]
            let unavailable = down.withLock { $0 }.union(avoiding)
            return preferred.first { !unavailable.contains($0) }
        }

        func api(forNode node: String) async -> (any MediaAPI)? {
            switch node {
            case "office": office
            case "cloud": cloud
            default: nil
            }
        }
    }

    func testEachParticipantUsesItsZonesNodeAndCallsGoWhereTheMediaIs() async throws {
        let nodes = FakeMediaNodes()
        let server = try await TestServer(nodes: nodes, media: nodes.office)
        let ada = try await server.joined(name: "Ada", from: "10.1.0.7")
        let grace = try await server.joined(name: "Grace", from: "192.0.2.9")

        let published = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let publicationID = try XCTUnwrap(published.first?.string("publicationId"), "\(published)")
        XCTAssertEqual(publicationID, "office.pub1")
        XCTAssertEqual(nodes.office.calls, [.publish(identity: "id-ada")])

        let subscribed = await grace.request(["type": "subscribe", "id": 2, "publicationId": publicationID, "offer": offer("audio", "video")])
        let subscriptionID = try XCTUnwrap(subscribed.first { $0.type == "subscribed" }?.string("subscriptionId"))
        XCTAssertEqual(nodes.cloud.calls, [.subscribe(publication: "office.pub1")], "the subscriber's node pulls it")

        _ = await grace.request(["type": "pause", "id": 3, "subscriptionId": subscriptionID, "kind": "video", "paused": true])
        XCTAssertEqual(nodes.cloud.calls.last, .setPaused(subscriptionID, .video, true))
        _ = await ada.request(["type": "mute", "id": 4, "publicationId": publicationID, "kind": "audio", "muted": true])
        XCTAssertEqual(nodes.office.calls.last, .setForwarding(publicationID, .audio, false), "the origin stops forwarding")

        _ = await grace.request(["type": "unsubscribe", "id": 5, "subscriptionId": subscriptionID])
        await server.room()?.settle()
        XCTAssertEqual(nodes.cloud.calls.last, .unsubscribe(subscriptionID))
    }

    func testADeadNodesParticipantsMoveAndTheOthersKeepTheirMedia() async throws {
        let nodes = FakeMediaNodes()
        let server = try await TestServer(nodes: nodes, media: nodes.office)
        let ada = try await server.joined(name: "Ada", from: "10.1.0.7")      // office
        let bob = try await server.joined(name: "Bob", from: "10.1.0.8")      // office
        let grace = try await server.joined(name: "Grace", from: "192.0.2.9") // cloud
        let adaPublished = await ada.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let adaPublication = try XCTUnwrap(adaPublished.first?.string("publicationId"))
        let gracePublished = await grace.request(["type": "publish", "id": 1, "source": "camera", "offer": offer("audio", "video")])
        let gracePublication = try XCTUnwrap(gracePublished.first?.string("publicationId"))
        let bobSubscribed = await bob.request(["type": "subscribe", "id": 2, "publicationId": gracePublication, "offer": offer("audio", "video")])
        let bobWatchesGrace = try XCTUnwrap(bobSubscribed.first { $0.type == "subscribed" }?.string("subscriptionId"))
        let bobSubscribedAda = await bob.request(["type": "subscribe", "id": 3, "publicationId": adaPublication, "offer": offer("audio", "video")])
        let bobWatchesAda = try XCTUnwrap(bobSubscribedAda.first { $0.type == "subscribed" }?.string("subscriptionId"))
        _ = await grace.request(["type": "subscribe", "id": 2, "publicationId": adaPublication, "offer": offer("audio", "video")])
        _ = ada.received(); _ = bob.received(); _ = grace.received()
        nodes.office.clearCalls()
        nodes.cloud.clearCalls()

        nodes.fail("cloud")
        await server.control.mediaNodeFailed("cloud")
        await server.room()?.settle()

        let moved = try XCTUnwrap(grace.first("media.moved"))
        XCTAssertNotNil(moved.string("reason"))
        for client in [ada, bob] {
            let events = client.received()
            XCTAssertEqual(events.filter { $0.type == "track.unpublished" }.map { $0.string("publicationId") }, [gracePublication])
            XCTAssertFalse(events.contains { $0.type == "participant.left" || $0.type == "media.moved" })
        }
        XCTAssertEqual(nodes.office.calls, [.unsubscribe(bobWatchesGrace)], "the office ends what watched the dead node")
        XCTAssertTrue(nodes.cloud.calls.isEmpty, "nothing is asked of a dead node")
        XCTAssertTrue(nodes.office.liveSubscriptions.contains(bobWatchesAda), "office media is untouched")

        // Grace publishes again: on the office node now.
        let again = await grace.request(["type": "publish", "id": 9, "source": "camera", "offer": offer("audio", "video")])
        XCTAssertEqual(again.first?.type, "published")
        XCTAssertEqual(nodes.office.calls.last, .publish(identity: "id-grace"))
        XCTAssertEqual(bob.first("track.published")?.string("participantId"), grace.participantID)
    }

    func testNoNodeAvailableRefusesTheJoin() async throws {
        let nodes = FakeMediaNodes()
        nodes.fail("office")
        nodes.fail("cloud")
        let server = try await TestServer(nodes: nodes, media: nodes.office)
        let client = server.connect(from: "10.1.0.7")
        let replies = await client.request(["type": "join", "id": 1, "protocol": 1, "token": try await server.token()])
        XCTAssertEqual(replies.first?.string("code"), "media_unavailable")
        XCTAssertEqual(replies.last?.closeCode, 4503)
    }
}
