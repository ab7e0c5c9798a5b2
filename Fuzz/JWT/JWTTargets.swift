import Crypto
import Dispatch
import Foundation
import FuzzSupport

/// `jwt`: an access token from an `Authorization: Bearer` header or a `join`, verified by the key
/// service. A token verifies only if its signature is the HMAC-SHA256 of its first two parts under
/// our secret: no `alg` trick, encoding quirk or second key gets one in.
///
/// No leak check: the verifying task's memory is freed on another thread after the input returns,
/// which libFuzzer takes for a leak and re-runs every input under LeakSanitizer to look for
/// (60 inputs a second instead of thousands).
public let jwtTargets = [FuzzTarget("jwt", options: ["-detect_leaks=0"], fuzzJWT)]

/// The key of the seed tokens in Fuzz/Corpus/jwt (Fuzz/Corpus/README.md says how they were made).
let fuzzAPIKey = "fuzzkey"
let fuzzAPISecret = "fuzz-secret-fuzz-secret-fuzz-secret!"

private let service: KeyService = wait {
    do { return try await KeyService(apiKey: fuzzAPIKey, apiSecret: fuzzAPISecret) } catch { fatalError("\(error)") }
}

private func fuzzJWT(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)
    _ = try? KeyService.bearerToken(fromAuthorization: text)
    guard let token = wait({ try? await service.verify(text) }) else { return }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    require(parts.count == 3, "a token of \(parts.count) parts verified")
    let mac = HMAC<SHA256>.authenticationCode(for: Data(parts[0...1].joined(separator: ".").utf8),
                                              using: SymmetricKey(data: Data(fuzzAPISecret.utf8)))
    require(base64URLDecoded(parts[2]) == Data(mac), "a token verified without our signature")
    _ = try? token.authorize(room: token.room, grant: .publish)
    _ = try? token.authorizeService()
}

/// The key service is async (JWTKit's key collection is an actor); libFuzzer calls us on a plain
/// thread, which may block until the answer is there.
private func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Written by the task before it signals and read after the wait, so never at the same time.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

private func base64URLDecoded(_ text: Substring) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64)
}
