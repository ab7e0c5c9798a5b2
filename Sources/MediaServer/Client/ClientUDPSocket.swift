#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import STUN

/// A UDP socket for one `ClientTransport` on a NIO event loop: datagrams read (recvmmsg) are fed
/// to the transport, datagrams the transport sends are queued and flushed once per read burst or
/// when the owner calls `flushIfNeeded()` (after a tick or a batch of media).
///
/// Each transport gets its own socket because the server routes media by 5-tuple. Every method
/// runs on `loop` (`@unchecked Sendable` is sound because the only cross-thread entry point,
/// `open`, hops onto the loop before touching state).
public final class ClientUDPSocket: DatagramSender, @unchecked Sendable {
    public let loop: any EventLoop
    public let transport: ClientTransport
    public private(set) var localAddress: SocketAddress?
    /// Datagrams read from the socket.
    public private(set) var datagramsReceived = 0
    /// Runs after each read burst instead of flushing only this socket: a cascade link's socket
    /// hands packets to the worker, whose own socket must be flushed too (else they wait for
    /// the worker's next tick).
    var afterReadBurst: (() -> Void)?

    private var channel: (any Channel)?
    private var context: ChannelHandlerContext?
    /// Set when a `ClientSocketPoller` reads this socket instead of NIO.
    private var poller: ClientSocketPoller?
    private var descriptor: CInt?
    private var pendingFlush = false
    private var lastDestination: (TransportAddress, SocketAddress)?
    /// Received datagrams are copied here and decrypted in place.
    private let scratch: UnsafeMutableRawBufferPointer

    private init(loop: any EventLoop, transport: ClientTransport) {
        self.loop = loop
        self.transport = transport
        self.scratch = .allocate(byteCount: 2048, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }

    /// Binds an ephemeral port on `host` and wires it to `transport` (the transport's `output`).
    /// Call on `loop`, which then owns the transport. With a `poller` (on the same loop), the
    /// poller reads the socket and NIO only writes it.
    public static func open(transport: ClientTransport, on loop: any EventLoop, host: String = "127.0.0.1",
                            socketBufferBytes: Int = 1 << 20,
                            poller: ClientSocketPoller? = nil) -> EventLoopFuture<ClientUDPSocket> {
        loop.preconditionInEventLoop()
        let socket = ClientUDPSocket(loop: loop, transport: transport)
        transport.output = socket
        let bootstrap = DatagramBootstrap(group: loop)
            .channelOption(.datagramVectorReadMessageCount, value: 4)
            // One recvmmsg of up to 4 per readiness: a client's socket usually holds one or two
            // packets when epoll reports it (a media node sends each burst to many sockets), and
            // NIO's default of 4 reads would spend a second syscall finding it empty.
            // Level-triggered epoll reports the socket again if more is left.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4 * 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(socketBufferBytes))
            .channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(socketBufferBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientUDPHandler(socket: socket))
                }
            }
            .channelOption(.autoRead, value: poller == nil)
        let bound: EventLoopFuture<any Channel>
        if let poller {
            do {
                let descriptor = try UDPSocketDescriptor.bound(host: host, port: 0)
                bound = bootstrap.withBoundSocket(descriptor).map { channel in
                    socket.poller = poller
                    socket.descriptor = descriptor
                    poller.add(socket, descriptor: descriptor)
                    return channel
                }
            } catch {
                return loop.makeFailedFuture(error)
            }
        } else {
            bound = bootstrap.bind(host: host, port: 0)
        }
        return bound.map { channel in
            socket.channel = channel
            socket.localAddress = channel.localAddress
            return socket
        }
    }

    fileprivate func attach(context: ChannelHandlerContext) {
        self.context = context
    }

    fileprivate func datagramReceived(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let data = envelope.data
        let length = data.readableBytes
        guard length <= scratch.count, let source = envelope.remoteAddress.transportAddress else { return }
        data.withUnsafeReadableBytes { scratch.copyMemory(from: $0) }
        received(scratch, length: length, from: source, nowNanos: NIODeadline.now().uptimeNanoseconds)
    }

    /// One datagram in memory the caller lends (decrypted in place).
    func received(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: TransportAddress, nowNanos: UInt64) {
        datagramsReceived += 1
        transport.receive(buffer, length: length, from: source, nowNanos: nowNanos)
    }

    /// The poller must forget the descriptor before NIO closes it.
    fileprivate func channelClosed() {
        if let descriptor { poller?.remove(descriptor: descriptor) }
        descriptor = nil
    }

    // MARK: - DatagramSender

    public func send(to address: TransportAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let context, let destination = socketAddress(for: address) else { return }
        var buffer = context.channel.allocator.buffer(capacity: length)
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { write($0) }
        guard written > 0 else { return }
        context.write(NIOAny(AddressedEnvelope(remoteAddress: destination, data: buffer)), promise: nil)
        pendingFlush = true
    }

    private func socketAddress(for address: TransportAddress) -> SocketAddress? {
        if let last = lastDestination, last.0 == address { return last.1 }
        guard let socketAddress = try? SocketAddress(ipAddress: address.ipString, port: Int(address.port)) else {
            return nil
        }
        lastDestination = (address, socketAddress)
        return socketAddress
    }

    func readBurstEnded() {
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
            channelClosed()
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

    func channelInactive(context: ChannelHandlerContext) {
        socket.channelClosed()
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        socket.readBurstEnded()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: UDP has nothing to recover; the transport's
        // timers decide whether the peer is gone.
    }
}
