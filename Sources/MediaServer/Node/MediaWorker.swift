import DTLS
import ICE
import Logging
import MediaAPI
import NIOCore
import NIOPosix
import PeerConnection
import SFU
import STUN

/// One event loop, one UDP port, and every room and transport pinned to them.
///
/// All state here is touched only on `loop` (`@unchecked Sendable` is sound because every entry
/// point either runs on the loop or hops onto it first). The packet path — demultiplex, route,
/// decrypt, fan out, encrypt into the outgoing `DatagramBatch` — runs without locks, tasks or
/// per-packet allocation.
final class MediaWorker: DatagramPort, PeerTransportRouter, @unchecked Sendable {
    let index: Int
    let loop: any EventLoop
    let configuration: MediaNodeConfiguration
    let logger: Logger
    let port: Int

    private var channel: (any Channel)?
    /// The media socket, which NIO reads and `outgoing` writes; nil while it is closed.
    private var socketDescriptor: CInt?
    private let outgoing = DatagramBatch()
    private var isShuttingDown = false

    /// Which transport each datagram on the port belongs to.
    private(set) var routes = TransportRoutes()
    var sessions: [String: MediaSession] = [:]
    /// The node's session counts (`SessionLimits`): each session takes its place when created
    /// and gives it back when it ends.
    let admission: SessionAdmission
    /// ICE-TCP listener and connections (MediaWorker+TCP.swift).
    let tcp = WorkerTCPState()
    var rooms: [String: Room] = [:]
    /// Cascade links to peer nodes, by peer node id (MediaWorker+Relays.swift).
    var links: [String: CascadeLink] = [:]
    /// Where this worker reports what happened to relays on its loop (the node's `CascadeLinks`
    /// read them in order).
    var cascadeEvents: AsyncStream<CascadeLinks.WorkerEvent>.Continuation?
    /// Set by the node before the worker starts; shared by every transport of the node.
    var certificate: DTLSCertificate?
    let forwardingCounters = ForwardingCounters()
    /// Publisher tracks whose packets of this read burst still wait to be fanned out.
    let fanout = FanoutQueue()

    /// Decrypted packets are copied here, so the receive buffer (shared with the rest of the
    /// vector read) is never mutated and never copied-on-write.
    let scratch: UnsafeMutableRawBufferPointer

    var counters = WorkerCounters()
    private var tickTask: RepeatedTask?
    static let tickIntervalMillis: Int64 = 10

    init(index: Int, loop: any EventLoop, configuration: MediaNodeConfiguration, admission: SessionAdmission,
         logger: Logger) {
        self.index = index
        self.admission = admission
        self.loop = loop
        self.configuration = configuration
        self.port = configuration.mediaPort + index
        var logger = logger
        logger[metadataKey: "worker"] = "\(index)"
        self.logger = logger
        self.scratch = .allocate(byteCount: 2048, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }

    // MARK: - Lifecycle

    func start() async throws {
        channel = try await bindUDP().get()
        await startTCPListener()
        tickTask = loop.scheduleRepeatedTask(initialDelay: .milliseconds(Self.tickIntervalMillis),
                                             delay: .milliseconds(Self.tickIntervalMillis)) { [self] _ in
            tick()
        }
        logger.info("media port open", metadata: ["port": "\(port)"])
    }

    /// The socket is made and bound here rather than by NIO, so the worker knows its descriptor
    /// and can send batches on it directly (`DatagramBatch`); NIO owns it (reads, closes).
    private func bindUDP() -> EventLoopFuture<any Channel> {
        let descriptor: CInt
        do {
            descriptor = try UDPSocketDescriptor.bound(host: configuration.bindHost, port: port)
        } catch {
            return loop.makeFailedFuture(error)
        }
        return DatagramBootstrap(group: loop)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 32 * 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: 4 * 1024 * 1024)
            .channelOption(.socketOption(.so_sndbuf), value: 4 * 1024 * 1024)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WorkerChannelHandler(worker: self))
                }
            }
            .withBoundSocket(descriptor)
            .map { [self] channel in
                socketDescriptor = descriptor
                return channel
            }
    }

    /// NIO closes a datagram channel on a read error it cannot attribute to one peer, which would
    /// stop media for every peer on this port. Send errors never close it (`DatagramBatch` skips
    /// the one datagram). The shared socket must outlive any
    /// one peer, so it is bound again at once; transports keep their routes (they live in the
    /// worker, not in the channel).
    func channelClosed() {
        socketDescriptor = nil
        outgoing.discard()
        guard !isShuttingDown else { return }
        logger.error("media socket closed unexpectedly; binding it again", metadata: ["port": "\(port)"])
        bindUDP().whenComplete { [self] result in
            switch result {
            case .success(let channel):
                self.channel = channel
                logger.notice("media port open again", metadata: ["port": "\(port)"])
            case .failure(let error):
                logger.critical("could not bind the media port again", metadata: ["port": "\(port)", "error": "\(error)"])
            }
        }
    }

    func shutdown() async {
        tickTask?.cancel()
        try? await loop.submit { [self] in isShuttingDown = true }.get()
        try? await loop.submit { [self] in
            for session in sessions.values { session.close(reason: "server shutting down") }
            flushIfNeeded()
            closeTCP()
        }.get()
        try? await channel?.close()
    }

    func socketError(_ error: any Error) {
        logger.debug("media socket error", metadata: ["error": "\(error)"])
    }

    // MARK: - Receive path

    /// RFC 7983 §7: demultiplex by the first byte — STUN 0–3, DTLS 20–63, RTP/RTCP 128–191 —
    /// to find the transport; the transport's connection demultiplexes again for itself.
    func datagramReceived(_ envelope: AddressedEnvelope<ByteBuffer>) {
        counters.received += 1
        let data = envelope.data
        guard let first = data.getInteger(at: data.readerIndex, as: UInt8.self) else {
            counters.dropped += 1
            return
        }
        let transport: PeerTransport?
        switch first {
        case 0...3:
            // A Binding request names its transport by ufrag; other STUN (a consent response to a
            // link's dialing side is not on this port) by the address it comes from.
            if let ufrag = data.withUnsafeReadableBytes({ ICERouting.recipientUfrag(ofBindingRequest: $0) }) {
                transport = routes.transport(forUfrag: ufrag)
            } else {
                transport = routes.transport(from: envelope.remoteAddress)
            }
        case 20...63, 128...191:
            transport = routes.transport(from: envelope.remoteAddress)
        default:
            transport = nil
        }
        guard let transport else {
            counters.dropped += 1
            return
        }
        deliver(data, to: transport, over: .udp(envelope.remoteAddress))
    }

    /// Copies a datagram (UDP or one ICE-TCP frame) into the scratch buffer, so the receive
    /// buffer (shared with the rest of the vector read) is never mutated, and hands it to its
    /// transport, which decrypts in place.
    func deliver(_ data: ByteBuffer, to transport: PeerTransport, over path: PeerPath) {
        let length = data.readableBytes
        guard length <= scratch.count else {
            counters.dropped += 1
            return
        }
        data.withUnsafeReadableBytes { scratch.copyMemory(from: $0) }
        if !transport.receive(scratch, length: length, over: path, nowNanos: MonotonicClock.nowNanos) {
            counters.dropped += 1
        }
    }

    // MARK: - Send path

    /// Queues one datagram; the flush happens at the end of the read burst or of the tick.
    func send(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let socketDescriptor else { return }
        // Only a forwarded packet that arrived near the 2 KiB receive limit can outgrow a slot once
        // its header extensions and SRTP tag are added: dropped like any datagram with no room.
        guard length <= DatagramBatch.slotSize else {
            counters.sendDropped += 1
            return
        }
        if outgoing.isFull { sendBatch(on: socketDescriptor) }
        outgoing.append(to: address, length: length, write)
    }

    func send(_ bytes: [UInt8], to address: SocketAddress) {
        send(to: address, length: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        }
    }

    /// The end of a read burst (or a tick): fan out what arrived, then send it all.
    func flushIfNeeded() {
        fanout.run()
        flushTCP()
        for link in links.values { link.flush() }
        if let socketDescriptor { sendBatch(on: socketDescriptor) }
    }

    private func sendBatch(on socketDescriptor: CInt) {
        guard outgoing.count > 0 else { return }
        let result = outgoing.flush(socket: socketDescriptor)
        counters.sent += result.sent
        counters.sendDropped += result.droppedNoBuffer
        counters.sendFailed += result.failedDestination
    }

    // MARK: - Transports (PeerTransportRouter)

    /// A transport on this worker's port, as a media node plays it toward a browser or a dialing
    /// node: ICE-lite and DTLS server (the answer said `a=setup:passive`), routed by its ufrag
    /// from now on (INTEROP-NOTES §1: before the answer leaves).
    func openTransport(id: String, credentials: ICECredentials, remote: PeerConnection.RemoteParameters,
                       logger: Logger) throws(MediaError) -> PeerTransport {
        guard let certificate else { throw .internalFailure("no DTLS certificate") }
        let connection = PeerConnection(
            iceRole: .lite, dtlsRole: .server, certificate: certificate, localCredentials: credentials,
            configuration: .init(lite: .init(consentTimeoutNanos: UInt64(configuration.consentTimeoutSeconds) * 1_000_000_000)))
        let transport = PeerTransport(id: id, connection: connection, port: self, router: self, logger: logger)
        do {
            try transport.start(remote: remote, nowNanos: MonotonicClock.nowNanos)
        } catch {
            throw .unacceptableOffer("the fingerprint cannot be used: \(error)")
        }
        routes.routeUfrag(of: transport)
        counters.transportsOpened += 1
        return transport
    }

    /// After an ICE restart: checks with the new ufrag reach the transport too.
    func routeUfrag(of transport: PeerTransport) { routes.routeUfrag(of: transport) }

    func route(_ address: SocketAddress, to transport: PeerTransport) { routes.route(address, to: transport) }

    func unrouteUfrag(_ ufrag: String, of transport: PeerTransport) { routes.unrouteUfrag(ufrag, of: transport) }

    func transportClosed(_ transport: PeerTransport) {
        routes.remove(transport)
        counters.transportsClosed += 1
    }

    // MARK: - Timers

    private func tick() {
        let now = MonotonicClock.nowNanos
        let wallClock = MonotonicClock.wallClockUnixNanos
        for session in Array(sessions.values) {
            session.tick(nowNanos: now, wallClockUnixNanos: wallClock)
        }
        tickLinks(nowNanos: now, wallClockUnixNanos: wallClock)
        flushIfNeeded()
        counters.absorb(forwardingCounters)
        counters.sent += tcp.framesSent
        tcp.framesSent = 0
        counters.flush()
    }
}
