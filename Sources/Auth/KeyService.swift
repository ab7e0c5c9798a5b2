import Foundation
import Crypto
import JWTKit

/// Mints and verifies access tokens with an API key/secret pair (HS256).
///
/// Verification is local and does no I/O, so a media node can check every request itself.
public struct KeyService: Sendable {
    /// HS256 wants a key at least as long as its output; JWTKit asserts on shorter keys.
    public static let minimumSecretBytes = 32

    public let apiKey: String
    private let keys: JWTKeyCollection

    public init(apiKey: String, apiSecret: String) async throws(KeyError) {
        guard !apiKey.isEmpty else { throw .emptyKey }
        guard apiSecret.utf8.count >= Self.minimumSecretBytes else {
            throw .secretTooShort(minimumBytes: Self.minimumSecretBytes)
        }
        self.apiKey = apiKey
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: apiSecret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: apiKey))
    }

    /// A random development key pair, printed by `cascade serve` when none is configured.
    public static func generateDevelopmentPair() -> (apiKey: String, apiSecret: String) {
        let key = "dev" + randomAlphanumeric(count: 9)
        let secret = randomAlphanumeric(count: 43)
        return (key, secret)
    }

    public func sign(_ token: AccessToken) async throws -> String {
        try await keys.sign(token, kid: JWKIdentifier(string: apiKey))
    }

    /// Verifies signature and expiry. Errors say why in words an operator can act on.
    public func verify(_ token: String) async throws(TokenError) -> AccessToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed }
        do {
            return try await keys.verify(token, as: AccessToken.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .claimVerificationFailure: throw .expired
            case .signatureVerificationFailed: throw .badSignature
            case .unknownKID: throw .unknownKey(error.kid?.string ?? "?")
            default: throw .malformed
            }
        } catch {
            throw .malformed
        }
    }

    /// Extracts the token from an `Authorization: Bearer …` header value.
    public static func bearerToken(fromAuthorization header: String?) throws(TokenError) -> String {
        guard let header else { throw .missing }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else { throw .missing }
        let token = header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw .missing }
        return token
    }
}

private func randomAlphanumeric(count: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
}
