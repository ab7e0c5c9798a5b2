import NIOCore
import STUN

/// One accepted ICE-TCP connection on a worker's TCP port (RFC 6544 passive candidate). Lives on
/// the worker's loop, like everything the worker owns.
///
/// Until an authenticated STUN Binding request arrives on it the connection belongs to nobody;
/// then it is bound to that request's transport for good (RFC 6544 §7.2: a TCP connection carries
/// one candidate pair). The ICE-lite agent keys its tuples by `TransportAddress`; a TCP peer gets
/// a synthetic one, `iceTuple`, from the discard-only prefix 100::/64 (RFC 6666) with this
/// connection's serial number, so it can never equal a UDP peer's address — not even the same
/// IP and port over UDP — nor another TCP connection's.
final class TCPMediaConnection {
    let serial: UInt64
    let remoteAddress: SocketAddress
    let iceTuple: TransportAddress
    private(set) weak var transport: PeerTransport?
    private(set) var isClosed = false
    private var pendingFlush = false
    private let context: ChannelHandlerContext
    private unowned let state: WorkerTCPState

    init(serial: UInt64, context: ChannelHandlerContext, remoteAddress: SocketAddress, state: WorkerTCPState) {
        self.serial = serial
        self.context = context
        self.state = state
        self.remoteAddress = remoteAddress
        self.iceTuple = TransportAddress(ipv6High: 0x0100_0000_0000_0000, ipv6Low: serial, port: 0)
    }

    func bind(to transport: PeerTransport) {
        self.transport = transport
    }

    /// Queues one framed packet; the worker flushes at the end of the read burst or tick.
    /// A reader too slow to take what we send (NIO's write buffer above its high-water mark)
    /// is cut off: media is real-time, and a backlog only grows.
    /// Returns false if nothing was queued.
    @discardableResult
    func send(length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Bool {
        guard !isClosed else { return false }
        guard context.channel.isWritable else {
            close(reason: "slow reader: send buffer full")
            return false
        }
        var buffer = context.channel.allocator.buffer(capacity: RFC4571.headerLength + length)
        guard RFC4571.writeFrame(into: &buffer, length: length, write) > 0 else { return false }
        context.write(NIOAny(buffer), promise: nil)
        state.framesSent += 1
        if !pendingFlush {
            pendingFlush = true
            state.flushList.append(self)
        }
        return true
    }

    func flushIfNeeded() {
        guard pendingFlush, !isClosed else { return }
        pendingFlush = false
        context.flush()
    }

    /// Flushes what is queued (e.g. a DTLS close_notify) and closes the socket.
    func close(reason: String) {
        guard !isClosed else { return }
        flushIfNeeded()
        isClosed = true
        context.close(promise: nil)
    }

    /// Called once the channel is gone (by either side).
    func markClosed() {
        isClosed = true
    }
}

/// The NIO end of one ICE-TCP connection: hands each RFC 4571 frame (decoded by the
/// `RFC4571FrameDecoder` before it) to the worker, flushes once per read burst, and closes the
/// connection — never the node — on any error, oversize frame included.
final class TCPMediaChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let worker: MediaWorker
    private var connection: TCPMediaConnection?

    init(worker: MediaWorker) {
        self.worker = worker
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = worker.tcpConnectionOpened(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        worker.frameReceived(unwrapInboundIn(data), on: connection)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        worker.flushIfNeeded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            self.connection = nil
            worker.tcpConnectionClosed(connection)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        worker.tcpConnectionFailed(connection, error: error)
        context.close(promise: nil)
    }
}
