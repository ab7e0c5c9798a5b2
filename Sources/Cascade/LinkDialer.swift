import Auth
import Foundation
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import MediaAPI
import Synchronization

/// Opens cascade links' control channels: a WebSocket from this node to a peer's
/// `GET /v1/cascade/link?node=&worker=&workers=`, authenticated with a node token (a service JWT
/// from the shared key pair). The dialing node is the ICE controlling side and DTLS client of the
/// link's media transport.
public struct LinkDialer: Sendable {
    public static let path = "/v1/cascade/link"

    public let node: String
    /// Every node of a deployment runs the same number of workers: a room hashes to the same
    /// worker index everywhere, and each worker index has its own link per pair.
    public let workers: Int
    let keys: KeyService
    let logger: Logger

    public init(node: String, workers: Int, keys: KeyService, logger: Logger) {
        self.node = node
        self.workers = workers
        self.keys = keys
        self.logger = logger
    }

    /// Dials `peer` at `url` (its HTTP base) for `worker`. Once the channel is open, `opened`
    /// sees it first (to register it), then `serve` runs it until the socket ends (in a task of
    /// its own); `dial` returns the channel once `opened` has, or throws when the peer refused
    /// or could not be reached.
    public func dial(peer: String, url: String, worker: Int,
                     opened: @escaping @Sendable (LinkChannel) async -> Void,
                     serve: @escaping @Sendable (LinkChannel, WebSocketInboundStream) async -> Void) async throws -> LinkChannel {
        let token = try await keys.sign(.service(apiKey: keys.apiKey, identity: "node:\(node)",
                                                 expiresAt: Date().addingTimeInterval(300)))
        let wsURL = WebSocketAddress.url(forHTTP: url) + Self.path + "?node=\(node)&worker=\(worker)&workers=\(workers)"
        let logger = self.logger
        let result = OnceContinuation<LinkChannel>()
        return try await withCheckedThrowingContinuation { continuation in
            result.set(continuation)
            Task {
                do {
                    try await WebSocketClient.connect(
                        url: wsURL,
                        configuration: .init(maxFrameSize: LinkChannel.maxMessageBytes,
                                             additionalHeaders: [.authorization: "Bearer \(token)"],
                                             autoPing: .enabled(timePeriod: UplinkWire.pingInterval)),
                        logger: logger
                    ) { inbound, outbound, _ in
                        let channel = LinkChannel(peerNode: peer, worker: worker, isDialer: true, outbound: outbound, logger: logger)
                        await opened(channel)
                        result.resume(.success(channel))
                        await serve(channel, inbound)
                    }
                    result.resume(.failure(MediaError.internalFailure("node '\(peer)' closed the link at once")))
                } catch {
                    result.resume(.failure(error))
                }
            }
        }
    }
}

/// Resumes a continuation once, from whichever path gets there first.
final class OnceContinuation<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, any Error>?, result: Result<Value, any Error>?)>((nil, nil))

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let ready: Result<Value, any Error>? = state.withLock { state in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func resume(_ result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
            if case .some = state.result { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
