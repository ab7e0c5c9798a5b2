import Hummingbird
import NIOCore

/// Why a request body could not be read.
public enum RequestBodyError: Error, Equatable, Sendable {
    /// Longer than the route takes (413).
    case tooLarge(limit: Int)
    /// Not complete `seconds` after the handler asked for it (408): a client trickling its body
    /// must not hold a connection and a task forever — no timer of Hummingbird's runs while a
    /// request is in progress.
    case timedOut(seconds: Int)
}

extension Request {
    /// The whole body, at most `limit` bytes, within `limits.readTimeoutSeconds`.
    public func collectBody(upTo limit: Int, limits: HTTPLimits) async throws(RequestBodyError) -> ByteBuffer {
        let request = self
        let seconds = limits.readTimeoutSeconds
        let outcome: Result<ByteBuffer, RequestBodyError>? = await withTaskGroup(of: Result<ByteBuffer, RequestBodyError>?.self) { group in
            group.addTask {
                var request = request
                do { return .success(try await request.collectBody(upTo: limit)) } catch {
                    // Cancelled by the deadline below, or more than `limit` bytes.
                    return Task.isCancelled ? nil : .failure(.tooLarge(limit: limit))
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return Task.isCancelled ? nil : .failure(.timedOut(seconds: seconds))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return try (outcome ?? .failure(.timedOut(seconds: seconds))).get()
    }
}
