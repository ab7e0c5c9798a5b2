import NIOCore

/// One repeating timer per event loop that drives every peer on it (ICE consent, DTLS
/// retransmissions, publisher pacing), instead of one timer per peer.
///
/// `@unchecked Sendable`: `peers` is touched only on `loop`.
final class LoopDriver: @unchecked Sendable {
    let loop: any EventLoop
    private(set) var peers: [BenchPeer] = []
    private var task: RepeatedTask?

    init(loop: any EventLoop, tickMillis: Int64) {
        self.loop = loop
        task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(tickMillis), delay: .milliseconds(tickMillis)) {
            [self] _ in
            let now = NIODeadline.now().uptimeNanoseconds
            for peer in peers { peer.tick(nowNanos: now) }
        }
    }

    func add(_ peer: BenchPeer) -> EventLoopFuture<Void> {
        loop.submit { [self] in peers.append(peer) }
    }

    /// Runs `body` on the loop with the peers of type `T`.
    func withPeers<T: BenchPeer, R: Sendable>(of type: T.Type, _ body: @escaping @Sendable ([T]) -> R) -> EventLoopFuture<R> {
        loop.submit { [self] in body(peers.compactMap { $0 as? T }) }
    }

    func stop() -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            task?.cancel()
            let closing = peers.compactMap { $0.socket?.close() }
            peers = []
            return EventLoopFuture.andAllComplete(closing, on: loop)
        }
    }
}
