import NIOCore

/// The NIO end of a worker's UDP socket, which NIO only reads: hands every datagram to the worker
/// and flushes what the worker queued (`DatagramBatch`) once per read burst, so a burst of packets
/// costs one `sendmmsg`.
final class WorkerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let worker: MediaWorker

    init(worker: MediaWorker) {
        self.worker = worker
    }

    func channelInactive(context: ChannelHandlerContext) {
        worker.channelClosed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        worker.datagramReceived(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        worker.flushIfNeeded()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and friends surface here on connected-less UDP sockets; a
        // vanished peer is handled by consent freshness, not by closing the shared socket.
        worker.socketError(error)
    }
}
