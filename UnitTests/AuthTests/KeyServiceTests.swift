import Auth
import Foundation
import XCTest

final class KeyServiceTests: XCTestCase {
    let secret = String(repeating: "s", count: 40)

    func testSignedTokenVerifiesAndCarriesItsClaims() async throws {
        let keys = try await KeyService(apiKey: "key1", apiSecret: secret)
        let token = AccessToken(apiKey: "key1", identity: "alice", room: "standup",
                                grants: Grants(publish: true), expiresAt: Date().addingTimeInterval(60), name: "Alice")
        let verified = try await keys.verify(try await keys.sign(token))
        XCTAssertEqual(verified.identity, "alice")
        XCTAssertEqual(verified.room, "standup")
        XCTAssertEqual(verified.grants, Grants(publish: true))
        XCTAssertEqual(verified.name, "Alice")
        XCTAssertNoThrow(try verified.authorize(room: "standup", grant: .publish))
    }

    func testExpiredTokenIsRejected() async throws {
        let keys = try await KeyService(apiKey: "key1", apiSecret: secret)
        let token = AccessToken(apiKey: "key1", identity: "bob", room: "r", grants: Grants(subscribe: true),
                                expiresAt: Date().addingTimeInterval(-5))
        let signed = try await keys.sign(token)
        await assertTokenError(.expired) { () async throws(TokenError) in try await keys.verify(signed) }
    }

    func testTokenSignedWithAnotherSecretIsRejected() async throws {
        let keys = try await KeyService(apiKey: "key1", apiSecret: secret)
        let forger = try await KeyService(apiKey: "key1", apiSecret: String(repeating: "x", count: 40))
        let token = AccessToken(apiKey: "key1", identity: "eve", room: "r", grants: Grants(publish: true),
                                expiresAt: Date().addingTimeInterval(60))
        let forged = try await forger.sign(token)
        await assertTokenError(.badSignature) { () async throws(TokenError) in try await keys.verify(forged) }
    }

    func testGarbageIsMalformed() async throws {
        let keys = try await KeyService(apiKey: "key1", apiSecret: secret)
        for garbage in ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"] {
            do {
                _ = try await keys.verify(garbage)
                XCTFail("accepted \(garbage)")
            } catch {
                XCTAssertTrue([.malformed, .badSignature].contains(error) || { if case .unknownKey = error { true } else { false } }(),
                              "\(garbage): \(error)")
            }
        }
    }

    func testGrantsAndRoomAreEnforced() {
        let token = AccessToken(apiKey: "k", identity: "carol", room: "a", grants: Grants(subscribe: true),
                                expiresAt: Date().addingTimeInterval(60))
        XCTAssertThrowsError(try token.authorize(room: "b", grant: .subscribe)) { error in
            XCTAssertEqual(error as? AccessError, .wrongRoom(tokenRoom: "a", requested: "b"))
        }
        XCTAssertThrowsError(try token.authorize(room: "a", grant: .publish)) { error in
            XCTAssertEqual(error as? AccessError, .missingGrant("publish"))
        }
    }

    func testShortSecretIsRefusedWithAReason() async {
        do {
            _ = try await KeyService(apiKey: "k", apiSecret: "short")
            XCTFail("accepted a short secret")
        } catch {
            XCTAssertEqual(error, .secretTooShort(minimumBytes: 32))
        }
    }

    func testBearerHeaderParsing() throws {
        XCTAssertEqual(try KeyService.bearerToken(fromAuthorization: "Bearer abc.def.ghi"), "abc.def.ghi")
        XCTAssertEqual(try KeyService.bearerToken(fromAuthorization: "bearer  xyz "), "xyz")
        XCTAssertThrowsError(try KeyService.bearerToken(fromAuthorization: nil))
        XCTAssertThrowsError(try KeyService.bearerToken(fromAuthorization: "Basic dXNlcg=="))
        XCTAssertThrowsError(try KeyService.bearerToken(fromAuthorization: "Bearer "))
    }

    private func assertTokenError(_ expected: TokenError, _ body: () async throws(TokenError) -> AccessToken,
                                  file: StaticString = #filePath, line: UInt = #line) async {
        do {
            _ = try await body()
            XCTFail("token accepted", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }
}
