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
/// over its worker's shared UDP port. Lives on the worker's loop.
final class PeerTransport: RTPPacketSender {
    let id: String
    unowned let worker: MediaWorker
    weak var delegate: (any PeerTransportDelegate)?
    let localUfrag: String
    let localPassword: String
    private(set) var knownAddresses: [SocketAddress] = []
    private var socketAddresses: [TransportAddress: SocketAddress] = [:]
    private(set) var selectedAddress: SocketAddress?
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
        guard !isClosed, let source = address.transportAddress else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let result = ice.handleBindingRequest(bytes, from: source, nowNanos: now)
        if let response = result.response {
            // RFC 8445 §7.2.5.2.1: answer from the address the request reached, to its source.
            worker.send(response, to: address)
        }
        for event in result.events {
            switch event {
            case .tupleValidated(let tuple):
                socketAddresses[tuple] = address
                if !knownAddresses.contains(address) {
                    knownAddresses.append(address)
                    worker.routeAddress(address, to: self)
                }
            case .selectedTupleChanged(let tuple):
                // The agent selects provisionally on the first authenticated tuple and then keeps
                // the highest-priority nominated one (INTEROP-NOTES §2).
                if let selected = socketAddresses[tuple] { selectedAddress = selected }
            }
        }
    }

    func receiveDTLS(_ datagram: UnsafeRawBufferPointer, from address: SocketAddress) {
        guard !isClosed else { return }
        dtlsStarted = true
        handle(dtls.receive(datagram, nowNanos: NIODeadline.now().uptimeNanoseconds), replyTo: address)
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
            delegate?.transport(self, receivedRTP: packet, header: header, nowNanos: now)
        }
    }

    private func handle(_ output: DTLSOutput, replyTo address: SocketAddress? = nil) {
        if let target = selectedAddress ?? address {
            for datagram in output.datagrams { worker.send(datagram, to: target) }
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
        guard let srtp, let target = selectedAddress else { return }
        worker.send(to: target, length: maximumLength + SRTPSession.maxTrailerLength) { buffer in
            let plain = write(buffer)
            guard plain > 0, let base = buffer.baseAddress,
                  let protected = try? srtp.protectRTP(base, length: plain, capacity: buffer.count)
            else { return 0 }
            return protected
        }
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        guard let srtp, let target = selectedAddress, !packets.isEmpty else { return }
        let plain = RTCPCompound.serialize(packets)
        worker.send(to: target, length: plain.count + SRTPSession.maxTrailerLength) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            buffer.copyBytes(from: plain)
            return (try? srtp.protectRTCP(base, length: plain.count, capacity: buffer.count)) ?? 0
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
        if sendCloseNotify && isConnected, let target = selectedAddress {
            for datagram in dtls.close().datagrams { worker.send(datagram, to: target) }
        }
        isClosed = true
        ice.close()
        srtp = nil
        worker.unregister(self)
        logger.info("peer transport closed", metadata: ["reason": "\(reason)"])
        delegate?.transportClosed(self, reason: reason)
    }
}
