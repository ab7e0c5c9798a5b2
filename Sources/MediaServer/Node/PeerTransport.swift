import DTLS
import ICE
import Logging
import NIOCore
import RTP
import SFU
import SRTP
import STUN

/// Receives what a `PeerTransport` decrypts and learns.
protocol PeerTransportDelegate: AnyObject {
    func transportConnected(_ transport: PeerTransport)
    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64)
    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64)
    func transportClosed(_ transport: PeerTransport, reason: String)
}

/// One client's connection: ICE-lite (RFC 8445 §2.5) + DTLS server (RFC 5763) + SRTP (RFC 3711),
/// over its worker's shared UDP port or an ICE-TCP connection (RFC 6544), whichever path ICE
/// selected. Lives on the worker's loop.
final class PeerTransport: RTPPacketSender {
    let id: String
    unowned let worker: MediaWorker
    weak var delegate: (any PeerTransportDelegate)?
    let localUfrag: String
    let localPassword: String
    /// Validated UDP peer addresses (routed to this transport by the worker).
    private(set) var knownAddresses: [SocketAddress] = []
    /// ICE tuple → where packets for it go. TCP tuples are synthetic (`TCPMediaConnection.iceTuple`).
    private var paths: [TransportAddress: PeerPath] = [:]
    private(set) var selectedPath: PeerPath?
    /// ICE-TCP connections bound to this transport; closed with it.
    private(set) var tcpConnections: [TCPMediaConnection] = []
    private(set) var isClosed = false
    private(set) var isConnected = false
    let logger: Logger

    private var ice: ICELiteAgent
    private let dtls: DTLSSession
    private var srtp: SRTPSession?
    private var dtlsDeadline: UInt64?
    private var dtlsStarted = false

    init(id: String, worker: MediaWorker, certificate: DTLSCertificate, credentials: ICECredentials,
         remoteUfrag: String, remotePassword: String, remoteFingerprint: String, logger: Logger) throws {
        self.id = id
        self.worker = worker
        self.localUfrag = credentials.ufrag
        self.localPassword = credentials.password
        self.ice = ICELiteAgent(
            local: credentials, remoteUfrag: remoteUfrag, remotePassword: remotePassword,
            configuration: .init(consentTimeoutNanos: UInt64(worker.configuration.consentTimeoutSeconds) * 1_000_000_000),
            nowNanos: MonotonicClock.nowNanos)
        self.dtls = try DTLSSession(role: .server, certificate: certificate, remoteFingerprint: remoteFingerprint)
        var logger = logger
        logger[metadataKey: "transport"] = "\(id)"
        self.logger = logger
    }

    // MARK: - Receive

    func receiveSTUN(_ bytes: [UInt8], from address: SocketAddress) {
        guard let source = address.transportAddress else { return }
        receiveSTUN(bytes, tuple: source, path: .udp(address))
    }

    /// A STUN message framed on an ICE-TCP connection (RFC 6544 §7.1).
    func receiveSTUN(_ bytes: [UInt8], over connection: TCPMediaConnection) {
        guard !isClosed, let source = connection.remoteAddress.transportAddress else { return }
        receiveSTUN(bytes, tuple: connection.iceTuple, path: .tcp(connection)) { response in
            // The agent saw the synthetic tuple; XOR-MAPPED-ADDRESS must carry the peer's real
            // address (RFC 8489 §14.2), so a success response is re-signed with it.
            guard let request = try? STUNMessage(parsing: bytes),
                  let username = STUNMessage.bindingRequestUsername(in: bytes),
                  username.split(separator: ":", maxSplits: 1).first.map(String.init) == localUfrag,
                  let parsed = try? STUNMessage(parsing: response), parsed.messageClass == .successResponse
            else { return response }
            return STUNMessage(method: .binding, messageClass: .successResponse, transactionID: request.transactionID,
                               attributes: [.xorMappedAddress(source)])
                .serialized(messageIntegrityKey: Array(localPassword.utf8), fingerprint: true)
        }
    }

    private func receiveSTUN(_ bytes: [UInt8], tuple: TransportAddress, path: PeerPath,
                             rewriteResponse: ([UInt8]) -> [UInt8] = { $0 }) {
        guard !isClosed else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let result = ice.handleBindingRequest(bytes, from: tuple, nowNanos: now)
        if let response = result.response {
            // RFC 8445 §7.2.5.2.1: answer from the address the request reached, to its source.
            send(rewriteResponse(response), on: path)
        }
        for event in result.events {
            switch event {
            case .tupleValidated(let tuple):
                paths[tuple] = path
                switch path {
                case .udp(let address):
                    if !knownAddresses.contains(address) {
                        knownAddresses.append(address)
                        worker.routeAddress(address, to: self)
                    }
                case .tcp(let connection):
                    connection.bind(to: self)
                    tcpConnections.append(connection)
                }
            case .selectedTupleChanged(let tuple):
                // The agent selects provisionally on the first authenticated tuple and then keeps
                // the highest-priority nominated one (INTEROP-NOTES §2).
                if let selected = paths[tuple] { selectedPath = selected }
            }
        }
        if selectedPath == nil, let tuple = ice.selectedTuple, let selected = paths[tuple] {
            // The selected TCP connection went away and the agent kept its choice: take it again
            // once the peer checks over a path we still have.
            selectedPath = selected
        }
    }

    func receiveDTLS(_ datagram: UnsafeRawBufferPointer, from address: SocketAddress) {
        receiveDTLS(datagram, over: .udp(address))
    }

    func receiveDTLS(_ datagram: UnsafeRawBufferPointer, over path: PeerPath) {
        guard !isClosed else { return }
        dtlsStarted = true
        handle(dtls.receive(datagram, nowNanos: NIODeadline.now().uptimeNanoseconds), replyTo: path)
    }

    /// The peer or the network closed an ICE-TCP connection of ours: forget the path. If it was
    /// the selected one, nothing is sent until a check arrives on another path (or consent ends).
    func tcpConnectionClosed(_ connection: TCPMediaConnection) {
        tcpConnections.removeAll { $0 === connection }
        paths.removeValue(forKey: connection.iceTuple)
        if case .tcp(let selected) = selectedPath, selected === connection { selectedPath = nil }
    }

    /// `buffer` is the worker's scratch buffer holding `length` bytes of SRTP or SRTCP.
    func receiveSRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from address: SocketAddress) {
        guard let srtp, let base = buffer.baseAddress, length >= 12 else {
            worker.counters.dropped += 1
            return
        }
        let now = NIODeadline.now().uptimeNanoseconds
        // RFC 5761 §4: RTCP packet types 192–223 sit where RTP has marker + payload type.
        if RTCPCompound.isRTCP(firstByte: buffer[0], secondByte: buffer[1]) {
            guard let plainLength = try? srtp.unprotectRTCP(base, length: length),
                  let packets = try? RTCPCompound.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength]))
            else {
                worker.counters.dropped += 1
                return
            }
            // RFC 7675 §5.1 asks the *sender* to verify consent; as the receiver, a packet that
            // passed SRTCP authentication is proof the peer is there. GStreamer's webrtcbin
            // (libnice) sends no consent checks once connected (FIELD-NOTES), only media.
            ice.refreshConsent(nowNanos: now)
            delegate?.transport(self, receivedRTCP: packets, nowNanos: now)
        } else {
            guard let plainLength = try? srtp.unprotectRTP(base, length: length) else {
                worker.counters.dropped += 1
                return
            }
            let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength])
            guard let header = RTPHeader.parse(packet) else {
                worker.counters.dropped += 1
                return
            }
            ice.refreshConsent(nowNanos: now)  // authenticated: proof of life, as for SRTCP above
            delegate?.transport(self, receivedRTP: packet, header: header, nowNanos: now)
        }
    }

    private func handle(_ output: DTLSOutput, replyTo path: PeerPath? = nil) {
        if let target = selectedPath ?? path {
            for datagram in output.datagrams { send(datagram, on: target) }
        }
        dtlsDeadline = output.retransmitDeadlineNanos
        for event in output.events {
            switch event {
            case .connected(let keying):
                do {
                    srtp = try SRTPSession(keying: keying)
                    isConnected = true
                    logger.info("peer connected", metadata: ["srtp_profile": "\(keying.profile)"])
                    delegate?.transportConnected(self)
                } catch {
                    close(reason: "SRTP setup failed: \(error)")
                }
            case .closed:
                close(reason: "peer closed DTLS", sendCloseNotify: false)
            case .failed(let error):
                close(reason: "DTLS failed: \(error)", sendCloseNotify: false)
            }
        }
    }

    // MARK: - Send (RTPPacketSender)

    func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let srtp, let target = selectedPath else { return }
        send(on: target, length: maximumLength + SRTPSession.maxTrailerLength) { buffer in
            let plain = write(buffer)
            guard plain > 0, let base = buffer.baseAddress,
                  let protected = try? srtp.protectRTP(base, length: plain, capacity: buffer.count)
            else { return 0 }
            return protected
        }
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        guard let srtp, let target = selectedPath, !packets.isEmpty else { return }
        let plain = RTCPCompound.serialize(packets)
        send(on: target, length: plain.count + SRTPSession.maxTrailerLength) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            buffer.copyBytes(from: plain)
            return (try? srtp.protectRTCP(base, length: plain.count, capacity: buffer.count)) ?? 0
        }
    }

    /// One datagram over the chosen path: the worker's UDP socket, or an RFC 4571 frame on TCP.
    private func send(on path: PeerPath, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        switch path {
        case .udp(let address):
            worker.send(to: address, length: length, write)
        case .tcp(let connection):
            if connection.send(length: length, write) { worker.counters.sent += 1 }
        }
    }

    private func send(_ bytes: [UInt8], on path: PeerPath) {
        send(on: path, length: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        }
    }

    // MARK: - Time and teardown

    func tick(nowNanos: UInt64) {
        guard !isClosed else { return }
        if case .expired = ice.tick(nowNanos: nowNanos) {
            // RFC 7675 §5.1: consent expired — stop sending and free everything.
            close(reason: "ICE consent expired", sendCloseNotify: false)
            return
        }
        if let deadline = dtlsDeadline, nowNanos >= deadline {
            handle(dtls.handleTimeout(nowNanos: nowNanos))
        }
    }

    /// Ends the connection: close_notify (RFC 7675 §5.2: revoke consent, WHIP DELETE) and unroute.
    func close(reason: String, sendCloseNotify: Bool = true) {
        guard !isClosed else { return }
        if sendCloseNotify && isConnected, let target = selectedPath {
            for datagram in dtls.close().datagrams { send(datagram, on: target) }
        }
        isClosed = true
        ice.close()
        srtp = nil
        worker.unregister(self)
        // Our ICE-TCP connections end with us (after close_notify is flushed).
        for connection in tcpConnections { connection.close(reason: "transport closed") }
        tcpConnections.removeAll()
        paths.removeAll()
        selectedPath = nil
        logger.info("peer transport closed", metadata: ["reason": "\(reason)"])
        delegate?.transportClosed(self, reason: reason)
    }
}
