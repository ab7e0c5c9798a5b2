import Auth
import Foundation
import Hummingbird
import MediaAPI
import XCTest

/// The uplink wire format (docs/uplink.md) and who may open an uplink, without sockets.
final class UplinkWireTests: XCTestCase {
    private func json(_ text: String) throws -> NSDictionary {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    func testDocumentedRequestsDecode() throws {
        let cases: [(String, UplinkMethod)] = [
            (#"{"id":1,"method":"publish","params":{"room":"r","identity":"ann","offerSDP":"v=0"}}"#, .publish),
            (#"{"id":2,"method":"unpublish","params":{"room":"r","resourceID":"office-1.abc"}}"#, .unpublish),
            (#"{"id":3,"method":"subscribe","params":{"room":"r","identity":"bob","resourceID":"office-1.abc","offerSDP":"v=0"}}"#, .subscribe),
            (#"{"id":4,"method":"unsubscribe","params":{"room":"r","sessionID":"s1"}}"#, .unsubscribe),
            (#"{"id":5,"method":"publications","params":{"room":"r"}}"#, .publications),
            (#"{"id":6,"method":"setPaused","params":{"room":"r","sessionID":"s1","kind":"video","paused":true}}"#, .setPaused),
            (#"{"id":7,"method":"setForwarding","params":{"room":"r","resourceID":"office-1.abc","kind":"audio","enabled":false}}"#, .setForwarding),
            (#"{"id":8,"method":"audioLevels","params":{"room":"r"}}"#, .audioLevels),
            (#"{"id":9,"method":"sessionStats","params":{"room":"r"}}"#, .sessionStats),
            (#"{"id":10,"method":"updateICE","params":{"room":"r","sessionID":"s1","ifMatch":"*","fragment":"a=ice-ufrag:abcd"}}"#, .updateICE),
        ]
        XCTAssertEqual(Set(cases.map(\.1)), Set(UplinkMethod.allCases))
        for (index, (text, method)) in cases.enumerated() {
            let request = try UplinkRequest.decode(text)
            XCTAssertEqual(request.id, index + 1)
            XCTAssertEqual(request.call.method, method)
            // Encoding gives the same JSON back.
            XCTAssertEqual(try json(request.encoded()), try json(text), text)
        }
        let paused = try UplinkRequest.decode(cases[5].0)
        guard case .setPaused(let room, let session, let kind, let on) = paused.call else { return XCTFail() }
        XCTAssertEqual(room, "r")
        XCTAssertEqual(session, "s1")
        XCTAssertEqual(kind, .video)
        XCTAssertTrue(on)
    }

    func testUnreadableRequestsKeepTheirID() {
        let cases: [(String, Int?)] = [
            (#"{"id":3,"method":"reboot","params":{}}"#, 3),
            (#"{"id":4,"method":"publish","params":{"room":"r"}}"#, 4),
            (#"{"id":5,"method":"unpublish","params":{"room":"r","resourceID":"no dot"}}"#, 5),
            (#"{"method":"publish"}"#, nil),
            ("not json", nil),
        ]
        for (text, id) in cases {
            do throws(UplinkRequest.Unreadable) {
                _ = try UplinkRequest.decode(text)
                XCTFail("\(text) should not decode")
            } catch {
                XCTAssertEqual(error.id, id, text)
            }
        }
    }

    func testEveryMediaErrorMapsBothWays() throws {
        let errors: [MediaError] = [
            .malformedOffer("a"), .unacceptableOffer("b"), .noCommonCodec("c"),
            .notFound("d"), .capacity("e"), .internalFailure("f"),
        ]
        var kinds = Set<String>()
        for error in errors {
            let wire = UplinkError(error)
            kinds.insert(wire.kind)
            XCTAssertEqual(wire.mediaError, error)
            let text = UplinkAnswer.failure(re: 9, error)
            XCTAssertEqual(UplinkAnswer.requestID(of: Data(text.utf8)), 9)
            XCTAssertThrowsError(try UplinkAnswer.result(UplinkAnswer.Empty.self, from: Data(text.utf8), node: "n", method: .unpublish)) {
                XCTAssertEqual($0 as? MediaError, error)
            }
        }
        XCTAssertEqual(kinds, ["malformedOffer", "unacceptableOffer", "noCommonCodec", "notFound", "capacity", "internalFailure"])
        XCTAssertEqual(try json(UplinkAnswer.failure(re: 7, .notFound("room r"))),
                       try json(#"{"re":7,"error":{"kind":"notFound","message":"room r"}}"#))
        XCTAssertEqual(UplinkError(kind: "meltdown", message: "x").mediaError, .internalFailure("meltdown: x"))
    }

    func testAnswersCarryResults() throws {
        let empty = UplinkAnswer.success(re: 3, UplinkAnswer.Empty())
        XCTAssertEqual(try json(empty), try json(#"{"re":3,"result":{}}"#))
        XCTAssertEqual(try UplinkAnswer.result(UplinkAnswer.Empty.self, from: Data(empty.utf8), node: "n", method: .unpublish),
                       UplinkAnswer.Empty())
        let stats = UplinkAnswer.success(re: 4, FakeMediaAPI.stats)
        XCTAssertEqual(try UplinkAnswer.result([SessionStats].self, from: Data(stats.utf8), node: "n", method: .sessionStats),
                       FakeMediaAPI.stats)
        // Neither result nor error, or a result of the wrong shape: an internal failure naming the node.
        XCTAssertThrowsError(try UplinkAnswer.result(UplinkAnswer.Empty.self, from: Data(#"{"re":4}"#.utf8), node: "n1", method: .unpublish)) {
            guard case .internalFailure(let reason)? = $0 as? MediaError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("n1"), reason)
        }
        XCTAssertThrowsError(try UplinkAnswer.result([SessionStats].self, from: Data(empty.utf8), node: "n1", method: .sessionStats)) {
            guard case .internalFailure? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
        // A non-finite level cannot be JSON: the node says so instead of sending nothing.
        let bad = UplinkAnswer.success(re: 5, [AudioLevelReport(resourceId: "a.b", level: .nan, voiceActivity: 0)])
        XCTAssertThrowsError(try UplinkAnswer.result([AudioLevelReport].self, from: Data(bad.utf8), node: "n", method: .audioLevels)) {
            guard case .internalFailure? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
    }

    func testNodePerformsRequests() async throws {
        let fake = FakeMediaAPI()
        let request = UplinkRequest(id: 11, call: .setForwarding(room: "r", resourceID: ResourceID(node: "office-1", publication: "p"),
                                                                kind: .video, enabled: true))
        let answer = await UplinkAnswer.answer(request, using: fake)
        XCTAssertEqual(try json(answer), try json(#"{"re":11,"result":{}}"#))
        let calls = await fake.calls
        XCTAssertEqual(calls, [.setForwarding(room: "r", resourceID: ResourceID(node: "office-1", publication: "p"), kind: .video, enabled: true)])
        await fake.fail(with: .capacity("full"))
        let failed = await UplinkAnswer.answer(UplinkRequest(id: 12, call: .publications(room: "r")), using: fake)
        XCTAssertEqual(try json(failed), try json(#"{"re":12,"error":{"kind":"capacity","message":"full"}}"#))
    }

    // MARK: - Who may open an uplink

    private func request(_ path: String, authorization: String?) -> HTTPRequest {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        return HTTPRequest(method: .get, scheme: "http", authority: "control", path: path, headerFields: fields)
    }

    func testUpgradeNeedsAServiceTokenAndAnAllowedNode() async throws {
        let keys = try await KeyService(apiKey: "testkey", apiSecret: testSecret)
        let uplinks = MediaUplinks(keys: keys, allowedNodes: ["office-1"], logger: quietLogger)
        let service = try await keys.sign(.service(apiKey: "testkey", identity: "node:office-1", expiresAt: Date().addingTimeInterval(60)))
        let expired = try await keys.sign(.service(apiKey: "testkey", identity: "node:office-1", expiresAt: Date().addingTimeInterval(-60)))
        let participant = try await keys.sign(AccessToken(apiKey: "testkey", identity: "ann", room: "r",
                                                          grants: Grants(publish: true, subscribe: true),
                                                          expiresAt: Date().addingTimeInterval(60)))
        let otherKeys = try await KeyService(apiKey: "testkey", apiSecret: "another-secret-0123456789abcdefghijklmn")
        let forged = try await otherKeys.sign(.service(apiKey: "testkey", identity: "node:office-1", expiresAt: Date().addingTimeInterval(60)))

        let accepted = await uplinks.upgrade(request("/v1/cascade/uplink?node=office-1", authorization: "Bearer \(service)"))
        XCTAssertNotNil(accepted)
        let refused: [(String, String?)] = [
            ("/v1/cascade/uplink?node=office-1", nil),
            ("/v1/cascade/uplink?node=office-1", "Bearer \(participant)"),
            ("/v1/cascade/uplink?node=office-1", "Bearer \(expired)"),
            ("/v1/cascade/uplink?node=office-1", "Bearer \(forged)"),
            ("/v1/cascade/uplink?node=office-2", "Bearer \(service)"),
            ("/v1/cascade/uplink", "Bearer \(service)"),
            ("/v1/cascade/link?node=office-1", "Bearer \(service)"),
            ("/v1/cascade/uplinks?node=office-1", "Bearer \(service)"),
        ]
        for (path, authorization) in refused {
            let handler = await uplinks.upgrade(request(path, authorization: authorization))
            XCTAssertNil(handler, "\(path) \(authorization ?? "no token")")
        }
    }
}
