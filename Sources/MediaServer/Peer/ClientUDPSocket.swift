import Logging
import NIOCore
import NIOPosix
import PeerConnection

/// A UDP socket of its own for one `PeerTransport` on a NIO event loop: the dialing side of a
/// cascade link, or one client of the load generator. Datagrams read (recvmmsg) are handed to the
/// transport; datagrams the transport sends are queued and flushed once per read burst or when
/// the owner calls `flushIfNeeded()` (after a tick or a batch of media).
///
/// Each transport gets its own socket because the far side routes media by 5-tuple. Every method
/// runs on `loop` (`@unchecked Sendable` is sound because the only cross-thread entry point,
/// `open`, hops onto the loop before touching state).
public final class ClientUDPSocket: DatagramPort, @unchecked Sendable {
    public let loop: any EventLoop
    /// Set by `open`; the socket owns it (the transport only points back at its port).
    public private(set) var transport: PeerTransport!
    public private(set) var localAddress: SocketAddress?
    /// Datagrams read from the socket.
    public private(set) var datagramsReceived = 0
    /// Runs after each read burst instead of flushing only this socket: a cascade link's socket
    /// hands packets to the worker, whose own socket must be flushed too (else they wait for
    /// the worker's next tick).
    var afterReadBurst: (() -> Void)?

    private var channel: (any Channel)?
    private var context: ChannelHandlerContext?
    private var pendingFlush = false
    /// Received datagrams are copied here and decrypted in place.
    private let scratch: UnsafeMutableRawBufferPointer

    private init(loop: any EventLoop) {
        self.loop = loop
        self.scratch = .allocate(byteCount: 2048, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }

    /// Binds an ephemeral port on `host` and makes the transport of `connection` on it (id
    /// `transportID`). Call on `loop`, which then owns both.
    ///
    /// `datagramsPerRead` is how many datagrams one readiness may read: the default suits a socket
    /// that receives bursts (a cascade link carries every relayed track). A load generator with
    /// hundreds of subscriber sockets passes 4: each socket usually holds one or two packets when
    /// epoll reports it (a media node sends each burst to many sockets), and a larger read would
    /// spend a second `recvmmsg` finding it empty. Epoll is level-triggered, so what is left is
    /// reported again.
    public static func open(connection: PeerConnection, transportID: String, logger: Logger, on loop: any EventLoop,
                            host: String = "127.0.0.1", socketBufferBytes: Int = 1 << 20,
                            datagramsPerRead: Int = 64) -> EventLoopFuture<ClientUDPSocket> {
        loop.preconditionInEventLoop()
        let socket = ClientUDPSocket(loop: loop)
        socket.transport = PeerTransport(id: transportID, connection: connection, port: socket, router: nil, logger: logger)
        let vector = min(max(datagramsPerRead, 1), 16)
        return DatagramBootstrap(group: loop)
            .channelOption(.datagramVectorReadMessageCount, value: vector)
            .channelOption(.maxMessagesPerRead, value: UInt(max(datagramsPerRead / vector, 1)))
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vector * 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(socketBufferBytes))
            .channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(socketBufferBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientUDPHandler(socket: socket))
                }
            }
            .bind(host: host, port: 0)
            .map { channel in
                socket.channel = channel
                socket.localAddress = channel.localAddress
                return socket
            }
    }

    fileprivate func attach(context: ChannelHandlerContext) {
        self.context = context
    }

    fileprivate func datagramReceived(_ envelope: AddressedEnvelope<ByteBuffer>) {
        datagramsReceived += 1
        let data = envelope.data
        let length = data.readableBytes
        guard length <= scratch.count else { return }
        data.withUnsafeReadableBytes { scratch.copyMemory(from: $0) }
        transport.receive(scratch, length: length, over: .udp(envelope.remoteAddress),
                          nowNanos: NIODeadline.now().uptimeNanoseconds)
    }

    // MARK: - DatagramPort

    func send(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: length)
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { write($0) }
        guard written > 0 else { return }
        context.write(NIOAny(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
        pendingFlush = true
    }

    fileprivate func readBurstEnded() {
        if let afterReadBurst { afterReadBurst() } else { flushIfNeeded() }
    }

    public func flushIfNeeded() {
        guard pendingFlush, let context else { return }
        pendingFlush = false
        context.flush()
    }

    /// Drives the transport's timers and flushes what they sent.
    public func tick(nowNanos: UInt64) {
        transport.tick(nowNanos: nowNanos)
        flushIfNeeded()
    }

    /// Closes the transport (close_notify) and the socket.
    public func close() -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            transport.close(reason: "closed by the client")
            flushIfNeeded()
            guard let channel else { return loop.makeSucceededVoidFuture() }
            return channel.close()
        }
    }
}

private final class ClientUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let socket: ClientUDPSocket

    init(socket: ClientUDPSocket) {
        self.socket = socket
    }

    func handlerAdded(context: ChannelHandlerContext) {
        socket.attach(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        socket.datagramReceived(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        socket.readBurstEnded()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: UDP has nothing to recover; the transport's
        // timers decide whether the peer is gone.
    }
}
