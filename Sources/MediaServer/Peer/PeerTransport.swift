import DTLS
import ICE
import Logging
import NIOCore
import PeerConnection
import RTP
import SFU
import STUN

/// Receives what a `PeerTransport` decrypts and learns.
public protocol PeerTransportDelegate: AnyObject {
    func transportConnected(_ transport: PeerTransport)
    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64)
    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64)
    func transportClosed(_ transport: PeerTransport, reason: String)
}

/// Where a transport's datagrams go on UDP: its worker's shared media port, or a socket of its own.
protocol DatagramPort: AnyObject {
    /// Asks `write` to fill at most `length` bytes of a datagram for `address` and return how
    /// many it wrote (0 sends nothing); the datagram is queued until the port's next flush.
    func send(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int)
}

/// What routes a shared port's datagrams to transports (the worker): told when a transport
/// learns or forgets the addresses and ufrags it answers for.
protocol PeerTransportRouter: AnyObject {
    func route(_ address: SocketAddress, to transport: PeerTransport)
    func unrouteUfrag(_ ufrag: String, of transport: PeerTransport)
    func transportClosed(_ transport: PeerTransport)
}

/// Where packets for one ICE tuple go: a peer address on a UDP port, or one ICE-TCP connection
/// (RFC 6544). ICE selects one of them (INTEROP-NOTES §1–2).
enum PeerPath {
    case udp(SocketAddress)
    case tcp(TCPMediaConnection)

    /// The tuple ICE keys on: the peer's address, or a TCP connection's synthetic one.
    var tuple: TransportAddress? {
        switch self {
        case .udp(let address): address.transportAddress
        case .tcp(let connection): connection.iceTuple
        }
    }
}

/// A `PeerConnection` joined to real paths: it moves the connection's bytes between its UDP
/// port or ICE-TCP connections and the connection, arms nothing of its own (its owner ticks it),
/// and hands decrypted media to its delegate. The same class serves a browser on a worker's
/// shared port (ICE-lite), either end of a cascade link, and a load generator's client on a
/// socket of its own (controlling). Lives on its port's loop.
public final class PeerTransport: RTPPacketSender {
    public let id: String
    public let connection: PeerConnection
    public weak var delegate: (any PeerTransportDelegate)?
    /// Sees each SRTP packet's clear header (RFC 3711 §3.1) before decryption; false skips
    /// decryption and delivery. For load generators that only count sequence numbers.
    public var shouldDecryptRTP: ((RTPHeader) -> Bool)?
    let logger: Logger

    private unowned let port: any DatagramPort
    private weak var router: (any PeerTransportRouter)?
    /// ICE tuple → where packets for it go.
    private var paths: [TransportAddress: PeerPath] = [:]
    private(set) var selectedPath: PeerPath?
    /// UDP addresses routed to this transport by its router.
    private(set) var routedAddresses: [SocketAddress] = []
    /// ICE-TCP connections bound to this transport; closed with it.
    private(set) var tcpConnections: [TCPMediaConnection] = []
    /// The path of the datagram being handled, for answers to a tuple not validated yet.
    private var currentPath: (tuple: TransportAddress, path: PeerPath)?
    private var output = PeerConnection.Output()

    init(id: String, connection: PeerConnection, port: any DatagramPort, router: (any PeerTransportRouter)?, logger: Logger) {
        self.id = id
        self.connection = connection
        self.port = port
        self.router = router
        var logger = logger
        logger[metadataKey: "transport"] = "\(id)"
        self.logger = logger
    }

    public var isConnected: Bool { connection.isConnected }
    public var isClosed: Bool { connection.isClosed }
    public var localUfrag: String { connection.localCredentials.ufrag }

    /// Starts the connection toward the peer (a controlling one sends its first checks now).
    public func start(remote: PeerConnection.RemoteParameters, dtlsRole: DTLSRole? = nil, nowNanos: UInt64) throws(DTLSError) {
        try connection.start(remote: remote, dtlsRole: dtlsRole, nowNanos: nowNanos, into: &output)
        handleOutput()
    }

    /// New ICE credentials, same DTLS and SRTP (RFC 8445 §9; WHIP/WHEP PATCH, RFC 9725 §4.4).
    public func restartICE(localCredentials: ICECredentials, remote: PeerConnection.RemoteParameters, nowNanos: UInt64) {
        connection.restartICE(localCredentials: localCredentials, remote: remote, nowNanos: nowNanos, into: &output)
        handleOutput()
    }

    // MARK: - Receive

    /// One UDP datagram or RFC 4571 frame, copied into the caller's scratch `buffer` (decrypted
    /// there in place). Returns false when it was not acted on (the caller counts drops).
    @discardableResult
    func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, over path: PeerPath, nowNanos: UInt64) -> Bool {
        guard let tuple = path.tuple else { return false }
        if let shouldDecryptRTP, length >= 12, (128...191).contains(buffer[0]),
           !RTCPCompound.isRTCP(firstByte: buffer[0], secondByte: buffer[1]),
           let header = RTPHeader.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<length])),
           !shouldDecryptRTP(header) {
            return true
        }
        var mapped: TransportAddress?
        if case .tcp(let connection) = path {
            // The agent keys on the synthetic tuple; XOR-MAPPED-ADDRESS carries the peer's real
            // address (RFC 8489 §14.2).
            mapped = connection.remoteAddress.transportAddress
        }
        currentPath = (tuple, path)
        defer { currentPath = nil }
        let dropsBefore = connection.statistics.total
        let inbound = connection.receive(buffer, length: length, from: tuple, mappedAddress: mapped,
                                         nowNanos: nowNanos, into: &output)
        if !output.isEmpty { handleOutput() }
        switch inbound {
        case .consumed:
            break
        case .rtp(let header, let packet):
            delegate?.transport(self, receivedRTP: packet, header: header, nowNanos: nowNanos)
        case .rtcp(let packets):
            delegate?.transport(self, receivedRTCP: packets, nowNanos: nowNanos)
        }
        return connection.statistics.total == dropsBefore
    }

    /// The peer or the network closed an ICE-TCP connection of ours: forget the path. If it was
    /// the selected one, nothing is sent until a check arrives on another path (or consent ends).
    func tcpConnectionClosed(_ connection: TCPMediaConnection) {
        tcpConnections.removeAll { $0 === connection }
        paths.removeValue(forKey: connection.iceTuple)
        if case .tcp(let selected) = selectedPath, selected === connection { selectedPath = nil }
    }

    // MARK: - Connection output

    /// Sends what the connection produced, in order, then acts on its events. Swapped out first:
    /// a delegate called from here may close the transport, which produces more.
    private func handleOutput() {
        while !output.isEmpty {
            var batch = PeerConnection.Output()
            swap(&batch, &output)
            for datagram in batch.datagrams {
                guard let path = path(for: datagram.to) else { continue }
                send(datagram.bytes, on: path)
            }
            for event in batch.events { handle(event) }
        }
        if selectedPath == nil, !connection.isClosed, let tuple = connection.selectedPath, let path = paths[tuple] {
            // The selected TCP connection went away and ICE kept its choice: take the path
            // again once the peer checks over it.
            selectedPath = path
        }
    }

    private func path(for tuple: TransportAddress) -> PeerPath? {
        if let path = paths[tuple] { return path }
        if let current = currentPath, current.tuple == tuple { return current.path }
        // A controlling agent checks candidates it has never heard from (on a socket of its own).
        guard connection.iceRole == .controlling,
              let address = try? SocketAddress(ipAddress: tuple.ipString, port: Int(tuple.port)) else { return nil }
        let path = PeerPath.udp(address)
        paths[tuple] = path
        return path
    }

    private func handle(_ event: PeerConnection.Event) {
        switch event {
        case .pathValidated(let tuple):
            guard let current = currentPath, current.tuple == tuple else { return }
            paths[tuple] = current.path
            switch current.path {
            case .udp(let address):
                if !routedAddresses.contains(address) {
                    routedAddresses.append(address)
                    router?.route(address, to: self)
                }
            case .tcp(let tcp):
                tcp.bind(to: self)
                tcpConnections.append(tcp)
            }
        case .selectedPathChanged(let tuple):
            if let path = path(for: tuple) { selectedPath = path }
        case .connected(let profile):
            logger.info("peer connected", metadata: ["srtp_profile": "\(profile)"])
            delegate?.transportConnected(self)
        case .restartCompleted(let previousUfrag):
            logger.info("ICE restart completed", metadata: ["previous_ufrag": "\(previousUfrag)"])
            router?.unrouteUfrag(previousUfrag, of: self)
        case .closed(let reason):
            closed(reason: reason.description)
        }
    }

    private func closed(reason: String) {
        router?.transportClosed(self)
        // Our ICE-TCP connections end with us (the close_notify queued on them is flushed first).
        for connection in tcpConnections { connection.close(reason: "transport closed") }
        tcpConnections.removeAll()
        paths.removeAll()
        selectedPath = nil
        logger.info("peer transport closed", metadata: ["reason": "\(reason)"])
        delegate?.transportClosed(self, reason: reason)
    }

    // MARK: - Send (RTPPacketSender)

    public func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let path = selectedPath else { return }
        let connection = self.connection
        send(on: path, length: maximumLength + PeerConnection.maximumTrailerLength) { buffer in
            let plain = write(buffer)
            guard plain > 0, let base = buffer.baseAddress else { return 0 }
            return connection.protectRTP(base, length: plain, capacity: buffer.count) ?? 0
        }
    }

    public func sendRTCP(_ packets: [RTCPPacket]) {
        guard let path = selectedPath, connection.isConnected, !packets.isEmpty else { return }
        let connection = self.connection
        send(on: path, length: 1500) { buffer in connection.protectRTCP(packets, into: buffer) ?? 0 }
    }

    private func send(on path: PeerPath, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        switch path {
        case .udp(let address): port.send(to: address, length: length, write)
        case .tcp(let connection): connection.send(length: length, write)
        }
    }

    private func send(_ bytes: [UInt8], on path: PeerPath) {
        send(on: path, length: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        }
    }

    // MARK: - Time and teardown

    public func tick(nowNanos: UInt64) {
        guard !connection.isClosed else { return }
        connection.tick(nowNanos: nowNanos, into: &output)
        if !output.isEmpty { handleOutput() }
    }

    /// Ends the connection: close_notify (RFC 7675 §5.2: revoke consent, WHIP DELETE) and unroute.
    public func close(reason: String, sendCloseNotify: Bool = true) {
        guard !connection.isClosed else { return }
        connection.close(reason: reason, sendCloseNotify: sendCloseNotify, into: &output)
        handleOutput()
    }
}
