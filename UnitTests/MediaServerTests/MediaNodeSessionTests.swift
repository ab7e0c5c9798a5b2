import DTLS
import ICE
import Logging
import MediaAPI
import NIOCore
import NIOPosix
import SDP
import STUN
import XCTest
@testable import Bench
@testable import MediaServer

/// A real media node on loopback, driven through its `MediaAPI` by the project's own client
/// stack (the load generator's publisher and subscriber): sessions, and WHIP/WHEP PATCH
/// (RFC 9725 §4.4) on them.
final class MediaNodeSessionTests: XCTestCase {
    static let room = "r"

    func testICERestartKeepsMediaFlowingWithoutPublishingAgain() async throws {
        try await withNodeAndCall { node, call in
            let stampsBefore = try await call.stampsRead()
            let credentials = ICECredentials.random()
            let fragment = "a=ice-ufrag:\(credentials.ufrag)\r\na=ice-pwd:\(credentials.password)\r\n"
            let answer = try await node.updateICE(ICEUpdateRequest(room: Self.room, sessionID: call.resource,
                                                                   ifMatch: "*", fragment: fragment))
            XCTAssertNotEqual(answer.etag, call.publishETag, "a restart is a new version of the session")
            let restart = try XCTUnwrap(answer.fragment)
            XCTAssertTrue(restart.contains("a=ice-lite"))
            XCTAssertTrue(restart.contains("a=end-of-candidates"))
            let serverICE = try ICEFragment.parse(restart)
            let newAnswer = try SessionDescription.parse(try XCTUnwrap(answer.answerSDP))
            XCTAssertEqual(try ICEFragment.parse(newAnswer.serialized()).iceUfrag, serverICE.iceUfrag)
            let candidate = try XCTUnwrap(serverICE.candidates.first)
            let serverAddress = try XCTUnwrap(TransportAddress(candidate.address, port: candidate.port))

            // The publisher restarts toward the node's new credentials; its media never stops.
            try await call.publisher.loop.submit {
                call.publisher.transport?.restartICE(
                    localCredentials: credentials,
                    remote: .init(ufrag: serverICE.iceUfrag!, password: serverICE.icePwd!, fingerprint: "",
                                  candidates: [serverAddress]),
                    nowNanos: MonotonicClock.nowNanos)
                call.publisher.socket?.flushIfNeeded()
            }.get()
            try await waitUntil("the node saw the new credentials") {
                try await node.worker(forRoom: Self.room).run { worker in
                    worker.sessions[call.resource]?.transport.connection.restartingFromUfrag == nil
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let stampsAfter = try await call.stampsRead()
            XCTAssertGreaterThan(stampsAfter, stampsBefore + 10, "the subscriber kept receiving")
            let publisherState = try await call.publisher.loop.submit { call.publisher.connection.state }.get()
            XCTAssertEqual(publisherState, .connected)
            let publications = try await node.publications(room: Self.room)
            XCTAssertEqual(publications.map(\.resourceId), [call.resource], "still the same publication")
        }
    }

    func testPatchNeedsIfMatchNamingTheCurrentVersion() async throws {
        try await withNodeAndCall { node, call in
            let trickle = "a=candidate:1 1 udp 2130706431 192.0.2.1 9 typ host\r\n"
            func patch(_ ifMatch: String?, session: String? = nil) async -> Result<ICEUpdateAnswer, MediaError> {
                do throws(MediaError) {
                    return .success(try await node.updateICE(ICEUpdateRequest(
                        room: Self.room, sessionID: session ?? call.resource, ifMatch: ifMatch, fragment: trickle)))
                } catch { return .failure(error) }
            }
            guard case .failure(.preconditionRequired) = await patch(nil) else { return XCTFail("no If-Match → 428") }
            guard case .failure(.preconditionFailed) = await patch("\"stale\"") else { return XCTFail("another tag → 412") }
            guard case .failure(.notFound) = await patch(call.publishETag, session: "nope") else { return XCTFail("404") }
            guard case .success(let answer) = await patch(call.publishETag) else { return XCTFail("the current tag → 204") }
            XCTAssertNil(answer.fragment, "a trickle answers nothing")
            XCTAssertEqual(answer.etag, call.publishETag)
            guard case .failure(.malformedOffer) = await patch("*") else {
                return XCTFail("a restart without new credentials is a bad request")
            }
        }
    }

    /// The WHIP/WHEP routes let only a session's creator (or an admin token) end or patch it:
    /// the node answers who that is, per room.
    func testEachSessionKnowsWhoCreatedIt() async throws {
        try await withNodeAndCall { node, call in
            let publisher = try await node.owner(ofSession: call.resource, room: Self.room)
            let viewer = try await node.owner(ofSession: call.playback, room: Self.room)
            let elsewhere = try await node.owner(ofSession: call.resource, room: "another-room")
            let unknown = try await node.owner(ofSession: "no-such-session", room: Self.room)
            XCTAssertEqual(publisher, "ann")
            XCTAssertEqual(viewer, "bob")
            XCTAssertNil(elsewhere, "a session belongs to its room")
            XCTAssertNil(unknown)
        }
    }

    // MARK: - A node and one call through it

    struct Call: Sendable {
        let publisher: BenchPublisher
        let subscriber: BenchSubscriber
        let resource: String
        let playback: String
        let publishETag: String

        func stampsRead() async throws -> UInt64 {
            try await subscriber.loop.submit { subscriber.stampsRead }.get()
        }
    }

    private func withNodeAndCall(_ body: (MediaNode, Call) async throws -> Void) async throws {
        let node = try await Self.startNode()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let driver = LoopDriver(loop: group.next(), tickMillis: 5)
        do {
            let call = try await Self.makeCall(on: node, driver: driver)
            try await waitUntil("the subscriber receives") { try await call.stampsRead() > 10 }
            try await body(node, call)
        } catch {
            try? await driver.stop().get()
            await node.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        try? await driver.stop().get()
        await node.shutdown()
        try? await group.shutdownGracefully()
    }

    private static func startNode() async throws -> MediaNode {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var lastError: (any Error)?
        for _ in 0..<5 {
            var configuration = MediaNodeConfiguration()
            configuration.mediaPort = Int.random(in: 20_000...50_000)
            configuration.iceTCP = false
            let node = try MediaNode(configuration: configuration, logger: logger)
            do {
                try await node.start()
                return node
            } catch {
                lastError = error  // the port was taken: try another
                await node.shutdown()
            }
        }
        throw lastError!
    }

    private static func makeCall(on node: MediaNode, driver: LoopDriver) async throws -> Call {
        let certificate = try DTLSCertificate.generateSelfSigned()
        let publisher = BenchPublisher(loop: driver.loop, certificate: certificate, videoBitrateBps: 300_000)
        let publishOffer = try await publisher.prepare(direction: .sendonly, outgoingTracks: publisher.outgoingTracks).get()
        let published = try await node.publish(PublishRequest(room: room, identity: "ann", offerSDP: publishOffer))
        try await driver.add(publisher).get()
        try await publisher.accept(answer: published.answerSDP, timeoutNanos: 10_000_000_000).get()

        let subscriber = BenchSubscriber(loop: driver.loop, certificate: certificate, delayStats: LoopDelayStats(group: 0),
                                         decryptEvery: 1)
        let subscribeOffer = try await subscriber.prepare(direction: .recvonly, outgoingTracks: [:]).get()
        let resource = try XCTUnwrap(ResourceID(published.sessionID))
        let subscribed = try await node.subscribe(SubscribeRequest(room: room, identity: "bob", resourceID: resource,
                                                                   offerSDP: subscribeOffer))
        try await driver.add(subscriber).get()
        try await subscriber.accept(answer: subscribed.answerSDP, timeoutNanos: 10_000_000_000).get()
        return Call(publisher: publisher, subscriber: subscriber, resource: published.sessionID,
                    playback: subscribed.sessionID, publishETag: try XCTUnwrap(published.etag))
    }
}

/// Polls `condition` every 20 ms for up to `seconds`.
func waitUntil(_ what: String, seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting until \(what)")
}
