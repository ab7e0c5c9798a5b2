import Auth
import Foundation
import HummingbirdWSClient
import MediaAPI
import XCTest

/// Control and a media node over a real uplink WebSocket on 127.0.0.1.
final class MediaUplinkTests: XCTestCase {
    private static let allErrors: [MediaError] = [
        .malformedOffer("no m= line"), .unacceptableOffer("no ICE credentials"), .noCommonCodec("only H265"),
        .notFound("room r1"), .capacity("512 sessions"), .internalFailure("disk \"full\"\nreally"),
    ]

    /// Waits until `node` is up and returns its API.
    private static func connectedAPI(_ server: UplinkServer, node: String = "office-1",
                              file: StaticString = #filePath, line: UInt = #line) async throws -> any MediaAPI {
        await server.expectChange(Change(node: node, up: true), file: file, line: line)
        let api = await server.uplinks.api(forNode: node)
        return try XCTUnwrap(api, file: file, line: line)
    }

    func testEveryMethodRoundTripsArgumentsAndResults() async throws {
        try await withUplinkServer { server in
            let fake = FakeMediaAPI()
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)
            let connected = await server.uplinks.connectedNodes()
            XCTAssertEqual(connected, ["office-1"])

            let resource = try XCTUnwrap(ResourceID("office-1.pub1"))
            let sdp = "v=0\r\no=- 4 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 AB:CD\r\n"
            let published = try await api.publish(PublishRequest(room: "r1", identity: "ann", offerSDP: sdp))
            XCTAssertEqual(published.sessionID, FakeMediaAPI.publishAnswer.sessionID)
            XCTAssertEqual(published.answerSDP, FakeMediaAPI.publishAnswer.answerSDP)
            let subscribed = try await api.subscribe(SubscribeRequest(room: "r1", identity: "bob", resourceID: resource, offerSDP: "offer"))
            XCTAssertEqual(subscribed.sessionID, FakeMediaAPI.subscribeAnswer.sessionID)
            XCTAssertEqual(subscribed.answerSDP, FakeMediaAPI.subscribeAnswer.answerSDP)
            let publications = try await api.publications(room: "r1")
            XCTAssertEqual(publications, FakeMediaAPI.publicationList)
            try await api.setPaused(room: "r1", sessionID: "sub7", kind: .video, paused: true)
            try await api.setForwarding(room: "r1", resourceID: resource, kind: .audio, enabled: false)
            let levels = try await api.audioLevels(room: "r1")
            XCTAssertEqual(levels, FakeMediaAPI.levels)
            let stats = try await api.sessionStats(room: "r1")
            XCTAssertEqual(stats, FakeMediaAPI.stats)
            try await api.unsubscribe(room: "r1", sessionID: "sub7")
            try await api.unpublish(room: "r1", resourceID: resource)

            let calls = await fake.calls
            XCTAssertEqual(calls, [
                .publish(room: "r1", identity: "ann", offerSDP: sdp),
                .subscribe(room: "r1", identity: "bob", resourceID: resource, offerSDP: "offer"),
                .publications(room: "r1"),
                .setPaused(room: "r1", sessionID: "sub7", kind: .video, paused: true),
                .setForwarding(room: "r1", resourceID: resource, kind: .audio, enabled: false),
                .audioLevels(room: "r1"),
                .sessionStats(room: "r1"),
                .unsubscribe(room: "r1", sessionID: "sub7"),
                .unpublish(room: "r1", resourceID: resource),
            ])
            node.cancel()
            await node.value
            await server.expectChange(Change(node: "office-1", up: false))
        }
    }

    func testICERestartCrossesTheUplink() async throws {
        try await withUplinkServer { server in
            let fake = FakeMediaAPI()
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)
            let restart = ICEUpdateRequest(room: "r1", sessionID: "sub7", ifMatch: "*", fragment: "a=ice-ufrag:abcd")
            let restarted = try await api.updateICE(restart)
            XCTAssertEqual(restarted, FakeMediaAPI.iceAnswer)
            let calls = await fake.calls
            XCTAssertEqual(calls, [.updateICE(restart)])
            node.cancel()
            await node.value
        }
    }

    func testEveryMediaErrorCrossesUnchanged() async throws {
        try await withUplinkServer { server in
            let fake = FakeMediaAPI()
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)
            let resource = try XCTUnwrap(ResourceID("office-1.pub1"))
            for error in Self.allErrors {
                await fake.fail(with: error)
                // A method with a result and one without, since their answers are decoded differently.
                do {
                    _ = try await api.publish(PublishRequest(room: "r", identity: "i", offerSDP: "o"))
                    XCTFail("publish should throw \(error)")
                } catch let thrown {
                    XCTAssertEqual(thrown as? MediaError, error)
                }
                do {
                    _ = try await api.publications(room: "r")
                    XCTFail("publications should throw")
                } catch let thrown {
                    XCTAssertEqual(thrown as? MediaError, error)
                }
                do {
                    try await api.unpublish(room: "r", resourceID: resource)
                    XCTFail("unpublish should throw")
                } catch let thrown {
                    XCTAssertEqual(thrown as? MediaError, error)
                }
            }
        }
    }

    func testBadTokenIsRefusedAndTheNodeKeepsTrying() async throws {
        try await withUplinkServer { server in
            let otherKeys = try await KeyService(apiKey: "testkey", apiSecret: "another-secret-0123456789abcdefghijklmn")
            let node = server.startNode(api: FakeMediaAPI(), keys: otherKeys)
            defer { node.cancel() }
            let first = await server.attempts.next()
            let second = await server.attempts.next()
            XCTAssertEqual(first, false)
            XCTAssertEqual(second, false, "the node should redial after a refusal")
            let api = await server.uplinks.api(forNode: "office-1")
            XCTAssertNil(api)
            let connected = await server.uplinks.connectedNodes()
            XCTAssertTrue(connected.isEmpty)
        }
    }

    func testUnknownNodeIsRefusedAndKeepsTrying() async throws {
        try await withUplinkServer { server in
            let node = server.startNode("intruder", api: FakeMediaAPI())
            defer { node.cancel() }
            let first = await server.attempts.next()
            let second = await server.attempts.next()
            XCTAssertEqual(first, false)
            XCTAssertEqual(second, false)
            let api = await server.uplinks.api(forNode: "intruder")
            XCTAssertNil(api)
            let connected = await server.uplinks.connectedNodes()
            XCTAssertTrue(connected.isEmpty)
        }
    }

    func testDroppedUplinkFailsCallsFastAndTheNodeRedials() async throws {
        try await withUplinkServer { server in
            let fake = FakeMediaAPI()
            await fake.holdPublishes(true)
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)

            let pending = Task { () async throws -> SessionAnswer in
                try await api.publish(PublishRequest(room: "r", identity: "i", offerSDP: "o"))
            }
            await fake.waitUntilPublishHeld()
            let dropped = ContinuousClock.now
            await server.uplinks.disconnect(node: "office-1")
            await server.expectChange(Change(node: "office-1", up: false))
            do {
                _ = try await pending.value
                XCTFail("the pending call should fail when the uplink drops")
            } catch {
                XCTAssertEqual(error as? MediaError, .internalFailure("node office-1 is not connected"))
            }
            XCTAssertLessThan(ContinuousClock.now - dropped, .seconds(2), "fails fast, not after the timeout")
            let gone = await server.uplinks.api(forNode: "office-1")
            XCTAssertNil(gone)

            // The node redials; the same API object works again over the new uplink.
            await fake.releasePublishes()
            await server.expectChange(Change(node: "office-1", up: true))
            let publications = try await api.publications(room: "r")
            XCTAssertEqual(publications, FakeMediaAPI.publicationList)

            // The node going away (its task cancelled) fails later calls at once.
            node.cancel()
            await node.value
            await server.expectChange(Change(node: "office-1", up: false))
            do {
                _ = try await api.publications(room: "r")
                XCTFail("no uplink, no call")
            } catch {
                XCTAssertEqual(error as? MediaError, .internalFailure("node office-1 is not connected"))
            }
        }
    }

    func testSlowCallDoesNotHoldUpOthers() async throws {
        try await withUplinkServer { server in
            let fake = FakeMediaAPI()
            await fake.holdPublishes(true)
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)
            let slow = Task { () async throws -> SessionAnswer in
                try await api.publish(PublishRequest(room: "r", identity: "i", offerSDP: "o"))
            }
            await fake.waitUntilPublishHeld()
            // While publish is held on the node, other calls are answered.
            let levels = try await api.audioLevels(room: "r")
            XCTAssertEqual(levels, FakeMediaAPI.levels)
            try await api.setPaused(room: "r", sessionID: "s", kind: .audio, paused: false)
            await fake.releasePublishes()
            let answer = try await slow.value
            XCTAssertEqual(answer.sessionID, FakeMediaAPI.publishAnswer.sessionID)
        }
    }

    func testUnansweredCallTimesOut() async throws {
        try await withUplinkServer(requestTimeout: .milliseconds(300)) { server in
            let fake = FakeMediaAPI()
            await fake.holdPublishes(true)
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            let api = try await Self.connectedAPI(server)
            do {
                _ = try await api.publish(PublishRequest(room: "r", identity: "i", offerSDP: "o"))
                XCTFail("should time out")
            } catch {
                XCTAssertEqual(error as? MediaError, .internalFailure("node office-1 did not answer"))
            }
            // The uplink itself is fine: the late answer is dropped, later calls work.
            await fake.releasePublishes()
            let stats = try await api.sessionStats(room: "r")
            XCTAssertEqual(stats, FakeMediaAPI.stats)
        }
    }

    func testNewerUplinkReplacesTheOlder() async throws {
        try await withUplinkServer { server in
            // The older uplink: a bare WebSocket (no redial), to see control close it.
            let token = try await server.keys.sign(.service(apiKey: server.keys.apiKey, identity: "node:office-1",
                                                            expiresAt: Date().addingTimeInterval(60)))
            let oldClosed = Events<Bool>()
            let url = "ws://127.0.0.1:\(server.port)\(UplinkWire.path)?node=office-1"
            let old = Task {
                _ = try? await WebSocketClient.connect(
                    url: url, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                    logger: quietLogger
                ) { inbound, _, _ in
                    for try await _ in inbound {}
                }
                oldClosed.push(true)
            }
            defer { old.cancel() }
            await server.expectChange(Change(node: "office-1", up: true))

            let fake = FakeMediaAPI(name: "newer")
            let node = server.startNode(api: fake)
            defer { node.cancel() }
            await server.expectChange(Change(node: "office-1", up: false))
            await server.expectChange(Change(node: "office-1", up: true))
            let closed = await oldClosed.next()
            XCTAssertEqual(closed, true, "control closes the older uplink")
            let current = await server.uplinks.api(forNode: "office-1")
            let api = try XCTUnwrap(current)
            let answer = try await api.publish(PublishRequest(room: "r", identity: "i", offerSDP: "o"))
            XCTAssertEqual(answer.sessionID, "newer")
        }
    }
}
