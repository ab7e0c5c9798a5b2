import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest
@testable import Control

/// The web app's security and cache headers (MeetingAssetResponses.swift), through the router.
final class MeetingAssetHeadersTests: XCTestCase {
    private static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
        + "frame-ancestors 'none'; form-action 'self'"

    /// Every page and file of the app: its URL and the asset it serves.
    private static func everyURL(_ assets: MeetingAssets) -> [(uri: String, name: String)] {
        [("/", "index.html"), ("/r/standup?name=Ada&autojoin=1", "room.html")]
            + assets.names.filter { !$0.hasSuffix(".html") }.map { ("/app/\($0)", $0) }
    }

    func testEveryResponseCarriesTheSecurityAndCacheHeaders() async throws {
        let server = try await TestServer()
        let assets = server.control.assets
        XCTAssertNotNil(assets.asset(named: "meeting.js"))
        let urls = Self.everyURL(assets)
        try await server.httpApplication().test(.router) { client in
            for (uri, name) in urls {
                try await client.execute(uri: uri, method: .get) { response in
                    XCTAssertEqual(response.status, .ok, uri)
                    XCTAssertEqual(response.headers[.contentSecurityPolicy], Self.policy, uri)
                    XCTAssertEqual(response.headers[.xContentTypeOptions], "nosniff", uri)
                    XCTAssertEqual(response.headers[MeetingAssets.referrerPolicy], "no-referrer", uri)
                    XCTAssertEqual(response.headers[.cacheControl], "no-cache", uri)
                    XCTAssertEqual(response.headers[.eTag], assets.asset(named: name)?.etag, uri)
                }
            }
        }
    }

    func testTheETagIsTheQuotedSHA256OfTheBytes() async throws {
        let assets = try await TestServer().control.assets
        for name in assets.names {
            let asset = try XCTUnwrap(assets.asset(named: name))
            let digest = SHA256.hash(data: asset.bytes).map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(asset.etag, "\"\(digest)\"", name)
        }
        XCTAssertNotEqual(assets.asset(named: "meeting.js")?.etag, assets.asset(named: "style.css")?.etag)
    }

    func testAMatchingIfNoneMatchAnswers304WithoutABody() async throws {
        let server = try await TestServer()
        let assets = server.control.assets
        let urls = Self.everyURL(assets)
        try await server.httpApplication().test(.router) { client in
            for (uri, name) in urls {
                let etag = try XCTUnwrap(assets.asset(named: name)?.etag)
                try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { response in
                    XCTAssertEqual(response.status, .notModified, uri)
                    XCTAssertEqual(response.body.readableBytes, 0, uri)
                    XCTAssertEqual(response.headers[.eTag], etag, uri)
                    XCTAssertEqual(response.headers[.cacheControl], "no-cache", uri)
                    XCTAssertNil(response.headers[.contentType], "a 304 sends no representation metadata (RFC 9110 §15.4.5)")
                }
            }
            let etag = try XCTUnwrap(assets.asset(named: "meeting.js")?.etag)
            for header in [#""stale", \#(etag)"#, "W/\(etag)", "*"] {
                try await client.execute(uri: "/app/meeting.js", method: .get, headers: [.ifNoneMatch: header]) { response in
                    XCTAssertEqual(response.status, .notModified, header)
                }
            }
            for header in [#""stale""#, String(etag.dropLast()), ""] {
                try await client.execute(uri: "/app/meeting.js", method: .get, headers: [.ifNoneMatch: header]) { response in
                    XCTAssertEqual(response.status, .ok, "If-None-Match: \(header)")
                    XCTAssertEqual(Array(response.body.readableBytesView), assets.asset(named: "meeting.js")?.bytes)
                }
            }
        }
    }

    func testIfNoneMatchComparison() {
        let etag = #""abc""#
        XCTAssertTrue(MeetingAssets.matches(#""abc""#, etag: etag))
        XCTAssertTrue(MeetingAssets.matches(#" "x" , W/"abc" "#, etag: etag), "a list, weak comparison")
        XCTAssertTrue(MeetingAssets.matches("*", etag: etag))
        XCTAssertFalse(MeetingAssets.matches(#""abcd""#, etag: etag))
        XCTAssertFalse(MeetingAssets.matches("abc", etag: etag), "an entity tag is quoted")
    }

    func testAMissingFileIsStillA404() async throws {
        let server = try await TestServer()
        try await server.httpApplication().test(.router) { client in
            try await client.execute(uri: "/app/missing.js", method: .get, headers: [.ifNoneMatch: "*"]) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
    }
}
