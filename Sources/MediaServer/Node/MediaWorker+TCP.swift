import ICE
import NIOCore
import NIOPosix
import SDP
import STUN

/// A worker's ICE-TCP side (RFC 6544): the listener on the worker's port number and the
/// connections it accepted. Touched only on the worker's loop.
final class WorkerTCPState {
    var listener: (any Channel)?
    var connections: [UInt64: TCPMediaConnection] = [:]
    /// Connections with queued, unflushed frames (flushed with the UDP socket's writes).
    var flushList: [TCPMediaConnection] = []
    var nextSerial: UInt64 = 1
    /// Frames queued since the worker last counted them (its tick adds them to `sent`).
    var framesSent = 0
}

/// ICE-TCP passive candidates (RFC 6544): for clients whose network blocks UDP. Each accepted
/// connection carries RFC 4571 frames, each handled exactly like one UDP datagram (RFC 7983
/// demultiplexing); STUN routes by ufrag and binds the connection to its transport, which may then
/// select it as its path.
extension MediaWorker {
    /// An accepted connection that has not authenticated a Binding request by then is closed.
    static let tcpBindTimeout: TimeAmount = .seconds(10)
    /// Per worker; beyond it new connections are refused (closed at once).
    static let maximumTCPConnections = 4096

    /// What answers add after the UDP host candidate: `candidate:2 1 tcp <prio> <ip> <port> typ
    /// host tcptype passive` (RFC 6544 §4.5), when this worker listens on TCP.
    var iceTCPCandidates: [ICECandidate] {
        guard tcp.listener != nil else { return [] }
        return [ICECandidate(foundation: "2", component: 1, transport: "tcp", priority: ICEPriorityTCP.passiveHost,
                             address: configuration.candidateHost, port: UInt16(port), type: .host, tcpType: .passive)]
    }

    /// Binds the TCP listener on the same port number as the UDP socket. Accepted connections run
    /// on this worker's loop (the bootstrap's only loop), next to their transports. A port that
    /// cannot be bound disables ICE-TCP on this worker (logged) rather than the whole node.
    func startTCPListener() async {
        guard configuration.iceTCP else { return }
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A subscriber that cannot keep up is closed once 1 MiB waits (TCPMediaConnection.send).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RFC4571FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(TCPMediaChannelHandler(worker: self))
                }
            }
        do {
            let listener = try await bootstrap.bind(host: configuration.bindHost, port: port).get()
            try await loop.submit { [self] in tcp.listener = listener }.get()
            logger.info("ICE-TCP port open", metadata: ["port": "\(port)"])
        } catch {
            logger.error("ICE-TCP disabled on this worker: cannot listen on TCP", metadata: [
                "port": "\(port)", "error": "\(error)",
            ])
        }
    }

    /// Closes the listener and every connection (after the sessions said goodbye).
    func closeTCP() {
        tcp.listener?.close(promise: nil)
        tcp.listener = nil
        for connection in Array(tcp.connections.values) { connection.close(reason: "server shutting down") }
    }

    func flushTCP() {
        guard !tcp.flushList.isEmpty else { return }
        for connection in tcp.flushList { connection.flushIfNeeded() }
        tcp.flushList.removeAll(keepingCapacity: true)
    }

    // MARK: - Connections (called by TCPMediaChannelHandler, on the loop)

    func tcpConnectionOpened(context: ChannelHandlerContext) -> TCPMediaConnection? {
        guard let remote = context.channel.remoteAddress, tcp.connections.count < Self.maximumTCPConnections else {
            counters.dropped += 1
            context.close(promise: nil)
            return nil
        }
        let connection = TCPMediaConnection(serial: tcp.nextSerial, context: context, remoteAddress: remote, state: tcp)
        tcp.nextSerial += 1
        tcp.connections[connection.serial] = connection
        let unbound = NIOLoopBound(connection, eventLoop: loop)
        loop.scheduleTask(in: Self.tcpBindTimeout) {
            if unbound.value.transport == nil { unbound.value.close(reason: "no ICE check in time") }
        }
        return connection
    }

    func tcpConnectionClosed(_ connection: TCPMediaConnection) {
        connection.markClosed()
        tcp.connections.removeValue(forKey: connection.serial)
        connection.transport?.tcpConnectionClosed(connection)
    }

    func tcpConnectionFailed(_ connection: TCPMediaConnection?, error: any Error) {
        // An oversize frame (RFC4571FrameDecoder.FrameTooLarge) or a socket error: this
        // connection ends, the node and every other peer carry on.
        counters.dropped += 1
        logger.debug("ICE-TCP connection failed", metadata: [
            "remote": "\(connection.map { "\($0.remoteAddress)" } ?? "?")", "error": "\(error)",
        ])
    }

    /// One RFC 4571 frame = one datagram: RFC 7983 §7 demultiplexing as in `datagramReceived`.
    func frameReceived(_ frame: ByteBuffer, on connection: TCPMediaConnection) {
        counters.received += 1
        guard !connection.isClosed, let first = frame.getInteger(at: frame.readerIndex, as: UInt8.self) else {
            counters.dropped += 1
            return
        }
        var target = connection.transport
        switch first {
        case 0...3:
            if let ufrag = frame.withUnsafeReadableBytes({ ICERouting.recipientUfrag(ofBindingRequest: $0) }) {
                // A connection stays with the transport it first authenticated for.
                guard let named = routes.transport(forUfrag: ufrag), target == nil || target === named else {
                    counters.dropped += 1
                    return
                }
                target = named
            }
        case 20...63, 128...191:
            break
        default:
            target = nil
        }
        guard let target else {
            counters.dropped += 1
            return
        }
        deliver(frame, to: target, over: .tcp(connection))
    }
}

/// RFC 6544 §4.2 priority of our passive TCP host candidate: local preference =
/// 2^13·direction-pref + other-pref with direction-pref 4 (passive), and type preference 90 for
/// host TCP — below UDP host's 126, as libwebrtc (p2p_constants.h), so UDP wins when it works.
enum ICEPriorityTCP {
    /// 2^24·90 + 2^8·(2^13·4 + 8191) + (256 − 1).
    static let passiveHost: UInt32 = (90 << 24) | (((4 << 13) | 8191) << 8) | 255
}
