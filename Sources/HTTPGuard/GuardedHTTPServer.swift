import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// A Hummingbird server child channel with a `RequestHeadGuardHandler` in front of it.
struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let limits: HTTPLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        channel.eventLoop.makeCompletedFuture {
            // Last of what is there now: first of the HTTP handlers the inner channel adds, and
            // after a TLS handler a wrapping channel may have put in front (it must see plaintext).
            try channel.pipeline.syncOperations.addHandler(RequestHeadGuardHandler(limits: limits), position: .last)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with a WebSocket upgrade, like Hummingbird's `.http1WebSocketUpgrade`, within
    /// `limits`: a bounded first request head (408/414/431/400 answered by `RequestHeadGuard`),
    /// the same bounds in the HTTP decoder for later requests, and an idle timeout.
    public static func guardedWebSocketUpgrade(
        limits: HTTPLimits,
        webSocket: WebSocketServerConfiguration,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) async throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    ) -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeadBytes, maxHeaderListSize: limits.maxHeadBytes,
                                            maxHeaderFieldCount: limits.maxHeaderCount))
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(http1: http1, ws: webSocket)
        return HTTPServerBuilder { responder in
            GuardedChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: configuration, shouldUpgrade: shouldUpgrade),
                limits: limits)
        }
    }
}
