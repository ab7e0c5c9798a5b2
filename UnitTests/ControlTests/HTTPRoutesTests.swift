import Auth
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest
@testable import Control

/// The control plane's HTTP routes, in Hummingbird's in-process router mode (no sockets).
final class HTTPRoutesTests: XCTestCase {
    private static func object(_ body: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    func testOpenJoinMintsARoomToken() async throws {
        let server = try await TestServer()
        try await server.httpApplication().test(.router) { client in
            try await client.execute(uri: "/v1/rooms/standup/join", method: .post,
                                     headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"name":" Ada "}"#)) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "application/json")
                let json = Self.object(response.body)
                let token = try await server.keys.verify(try XCTUnwrap(json["token"] as? String))
                XCTAssertEqual(token.room, "standup")
                XCTAssertEqual(token.name, "Ada")
                XCTAssertEqual(token.grants, Grants(publish: true, subscribe: true))
                XCTAssertTrue(token.identity.hasPrefix("guest-"))
            }
            try await client.execute(uri: "/v1/rooms/standup/join", method: .post) { response in
                XCTAssertEqual(response.status, .ok, "the name is optional")
            }
            try await client.execute(uri: "/v1/rooms/bad%20room/join", method: .post, body: ByteBuffer(string: "{}")) { response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertEqual(Self.object(response.body)["error"] as? String, "bad_room")
            }
            try await client.execute(uri: "/v1/rooms/standup/join", method: .post, body: ByteBuffer(string: "[1]")) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
            try await client.execute(uri: "/v1/rooms/standup/join", method: .post,
                                     body: ByteBuffer(string: #"{"name":"\#(String(repeating: "n", count: 65))"}"#)) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
        }
    }

    func testRequireTokenTurnsOpenJoinOff() async throws {
        let server = try await TestServer { $0.requireToken = true }
        try await server.httpApplication().test(.router) { client in
            try await client.execute(uri: "/v1/rooms/standup/join", method: .post, body: ByteBuffer(string: "{}")) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(Self.object(response.body)["error"] as? String, "token_required")
            }
        }
    }

    func testServesTheWebAppWithContentTypes() async throws {
        let server = try await TestServer()
        let assets = server.control.assets
        XCTAssertNotNil(assets.asset(named: "index.html"), "Sources/Control/Web/index.html is bundled")
        try await server.httpApplication().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                XCTAssertEqual(Array(response.body.readableBytesView), assets.asset(named: "index.html")?.bytes)
            }
            let roomPage = assets.asset(named: "room.html") ?? assets.asset(named: "index.html")
            try await client.execute(uri: "/r/standup?name=Ada&autojoin=1", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                XCTAssertEqual(Array(response.body.readableBytesView), roomPage?.bytes)
            }
            for name in assets.names where !name.hasSuffix(".html") {
                try await client.execute(uri: "/app/\(name)", method: .get) { response in
                    XCTAssertEqual(response.status, .ok, name)
                    XCTAssertEqual(response.headers[.contentType], MeetingAssets.contentType(for: name), name)
                }
            }
            try await client.execute(uri: "/app/missing.js", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/app/../Package.swift", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/rtc", method: .get) { response in
                XCTAssertEqual(response.status, .upgradeRequired)
            }
        }
    }

    func testContentTypes() {
        XCTAssertEqual(MeetingAssets.contentType(for: "app.js"), "text/javascript; charset=utf-8")
        XCTAssertEqual(MeetingAssets.contentType(for: "style.css"), "text/css; charset=utf-8")
        XCTAssertEqual(MeetingAssets.contentType(for: "icons/mic.svg"), "image/svg+xml")
        XCTAssertEqual(MeetingAssets.contentType(for: "room.html"), "text/html; charset=utf-8")
    }

    func testSignalingPath() {
        XCTAssertTrue(ControlPlane.isSignalingPath("/rtc"))
        XCTAssertTrue(ControlPlane.isSignalingPath("/rtc?v=1"))
        XCTAssertFalse(ControlPlane.isSignalingPath("/rtc/x"))
        XCTAssertFalse(ControlPlane.isSignalingPath("/"))
        XCTAssertFalse(ControlPlane.isSignalingPath(nil))
    }
}
