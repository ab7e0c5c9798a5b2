import DTLS
import ICE
import RTP
import SFU
import SRTP
import STUN

/// Where a `ClientTransport` writes datagrams: a UDP socket (see `ClientUDPSocket`), a test
/// harness, or later a server-to-server link's socket.
public protocol DatagramSender: AnyObject {
    /// Asks `write` to fill at most `length` bytes of a fresh datagram buffer and return how many
    /// it wrote (0 sends nothing); the datagram is then queued for `address`.
    func send(to address: TransportAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int)
}

extension DatagramSender {
    func send(_ bytes: [UInt8], to address: TransportAddress) {
        send(to: address, length: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        }
    }
}

/// Receives what a `ClientTransport` decrypts and learns.
public protocol ClientTransportDelegate: AnyObject {
    func clientTransportConnected(_ transport: ClientTransport)
    func clientTransport(_ transport: ClientTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader,
                         nowNanos: UInt64)
    func clientTransport(_ transport: ClientTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64)
    func clientTransportClosed(_ transport: ClientTransport, reason: String)
    /// Sees an RTP packet's header, which SRTP leaves in the clear (RFC 3711 §3.1), before it is
    /// decrypted; returning false skips decryption and delivery (load tests that only count
    /// sequence numbers). The default decrypts everything.
    func clientTransport(_ transport: ClientTransport, willDecryptRTP header: RTPHeader, nowNanos: UInt64) -> Bool
}

extension ClientTransportDelegate {
    public func clientTransport(_ transport: ClientTransport, willDecryptRTP header: RTPHeader,
                                nowNanos: UInt64) -> Bool { true }
}

/// The dialing side of a peer connection, as a browser plays it against our server: a
/// controlling full-ICE agent (RFC 8445), a DTLS client (RFC 5763 §5: the answer says
/// `a=setup:passive`), and SRTP/SRTCP (RFC 3711) once keys are exported (RFC 5764).
///
/// Socket-agnostic: datagrams come in through `receive`, go out through `output`, and time comes
/// in as `nowNanos`; the owner calls `tick` at `nextDeadlineNanos` (or on a regular timer).
/// Not thread-safe: confine it to one event loop. Used by `cascade bench` and meant for
/// server-to-server links, where the dialing node is always the controlling agent.
public final class ClientTransport: RTPPacketSender {
    public enum State: Equatable, Sendable {
        case new
        /// ICE checks running.
        case checking
        /// ICE selected a pair; the DTLS handshake runs on it.
        case handshaking
        /// SRTP keys are set: media flows.
        case connected
        case closed(String)
    }

    public let certificate: DTLSCertificate
    public let localCredentials: ICECredentials
    public weak var delegate: (any ClientTransportDelegate)?
    public weak var output: (any DatagramSender)?
    public private(set) var state: State = .new
    /// The server's address media goes to, once ICE selected it.
    public private(set) var remoteAddress: TransportAddress?
    /// Datagrams that could not be decrypted or parsed (counted, never fatal).
    public private(set) var droppedDatagrams = 0

    private var ice: ICEControllingAgent?
    private var dtls: DTLSSession?
    private var srtp: SRTPSession?
    private var dtlsDeadline: UInt64?

    public init(certificate: DTLSCertificate, credentials: ICECredentials = .random()) {
        self.certificate = certificate
        self.localCredentials = credentials
    }

    /// Starts ICE toward the answerer's candidates (best first) and prepares DTLS in the role the
    /// answer chose. Throws if the fingerprint is unusable.
    public func start(remoteUfrag: String, remotePassword: String, remoteFingerprint: String,
                      remoteCandidates: [TransportAddress], dtlsRole: DTLSRole, nowNanos: UInt64,
                      iceConfiguration: ICEControllingAgent.Configuration = .init()) throws(DTLSError) {
        guard state == .new else { return }
        dtls = try DTLSSession(role: dtlsRole, certificate: certificate, remoteFingerprint: remoteFingerprint)
        var agent = ICEControllingAgent(
            local: localCredentials, remoteUfrag: remoteUfrag, remotePassword: remotePassword,
            remoteCandidates: remoteCandidates, tieBreaker: ICEControllingAgent.randomTieBreaker(),
            configuration: iceConfiguration)
        state = .checking
        let outgoing = agent.start(nowNanos: nowNanos)
        ice = agent
        for datagram in outgoing { output?.send(datagram.bytes, to: datagram.to) }
    }

    // MARK: - Receive

    /// One datagram from `source`. `buffer` holds `length` bytes and is decrypted in place, so it
    /// must be the caller's scratch memory (at least `length` bytes; no trailer room needed).
    public func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: TransportAddress,
                        nowNanos: UInt64) {
        guard length > 0, length <= buffer.count else { return }
        // RFC 7983 §7: demultiplex by the first byte.
        switch buffer[0] {
        case 0...3:
            receiveSTUN(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length])), from: source, nowNanos: nowNanos)
        case 20...63:
            guard let dtls, source == remoteAddress else { return }
            handle(dtls.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), nowNanos: nowNanos))
        case 128...191:
            receiveSRTP(buffer, length: length, nowNanos: nowNanos)
        default:
            droppedDatagrams += 1
        }
    }

    private func receiveSTUN(_ bytes: [UInt8], from source: TransportAddress, nowNanos: UInt64) {
        guard let result = ice?.handle(bytes, from: source, nowNanos: nowNanos) else { return }
        apply(result, nowNanos: nowNanos)
    }

    private func receiveSRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, nowNanos: UInt64) {
        guard let srtp, let base = buffer.baseAddress, length >= 12 else {
            droppedDatagrams += 1
            return
        }
        // RFC 5761 §4: RTCP packet types 192–223 sit where RTP has marker + payload type.
        if RTCPCompound.isRTCP(firstByte: buffer[0], secondByte: buffer[1]) {
            guard let plainLength = try? srtp.unprotectRTCP(base, length: length),
                  let packets = try? RTCPCompound.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength]))
            else {
                droppedDatagrams += 1
                return
            }
            delegate?.clientTransport(self, receivedRTCP: packets, nowNanos: nowNanos)
        } else {
            if let delegate, let clearHeader = RTPHeader.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<length])),
               !delegate.clientTransport(self, willDecryptRTP: clearHeader, nowNanos: nowNanos) {
                return
            }
            guard let plainLength = try? srtp.unprotectRTP(base, length: length) else {
                droppedDatagrams += 1
                return
            }
            let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength])
            guard let header = RTPHeader.parse(packet) else {
                droppedDatagrams += 1
                return
            }
            delegate?.clientTransport(self, receivedRTP: packet, header: header, nowNanos: nowNanos)
        }
    }

    // MARK: - ICE and DTLS outputs

    private func apply(_ result: ICEControllingAgent.Output, nowNanos: UInt64) {
        for datagram in result.outgoing { output?.send(datagram.bytes, to: datagram.to) }
        for event in result.events {
            switch event {
            case .connected(let remote):
                remoteAddress = remote
                guard state == .checking, let dtls else { continue }
                state = .handshaking
                // RFC 5763 §5: the DTLS client speaks first once the path is known.
                handle(dtls.start(nowNanos: nowNanos))
            case .failed(let reason):
                close(reason: "ICE failed: \(reason)", sendCloseNotify: false)
            }
        }
    }

    private func handle(_ result: DTLSOutput) {
        if let remoteAddress {
            for datagram in result.datagrams { output?.send(datagram, to: remoteAddress) }
        }
        dtlsDeadline = result.retransmitDeadlineNanos
        for event in result.events {
            switch event {
            case .connected(let keying):
                do {
                    srtp = try SRTPSession(keying: keying)
                    state = .connected
                    delegate?.clientTransportConnected(self)
                } catch {
                    close(reason: "SRTP setup failed: \(error)", sendCloseNotify: false)
                }
            case .closed:
                close(reason: "peer closed DTLS", sendCloseNotify: false)
            case .failed(let error):
                close(reason: "DTLS failed: \(error)", sendCloseNotify: false)
            }
        }
    }

    // MARK: - Send (RTPPacketSender)

    public var isConnected: Bool { state == .connected }

    public func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        guard let srtp, let remoteAddress, let output else { return }
        output.send(to: remoteAddress, length: maximumLength + SRTPSession.maxTrailerLength) { buffer in
            let plain = write(buffer)
            guard plain > 0, let base = buffer.baseAddress,
                  let protected = try? srtp.protectRTP(base, length: plain, capacity: buffer.count)
            else { return 0 }
            return protected
        }
    }

    public func sendRTCP(_ packets: [RTCPPacket]) {
        guard let srtp, let remoteAddress, let output, !packets.isEmpty else { return }
        let plain = RTCPCompound.serialize(packets)
        output.send(to: remoteAddress, length: plain.count + SRTPSession.maxTrailerLength) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            buffer.copyBytes(from: plain)
            return (try? srtp.protectRTCP(base, length: plain.count, capacity: buffer.count)) ?? 0
        }
    }

    // MARK: - Time and teardown

    /// When `tick` must next run; nil when nothing is pending.
    public var nextDeadlineNanos: UInt64? {
        switch (ice?.nextDeadlineNanos, dtlsDeadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// ICE pacing, retransmissions and consent (RFC 7675), DTLS retransmissions.
    public func tick(nowNanos: UInt64) {
        if case .closed = state { return }
        // Mutated in place through the optional: copying the agent out and back on every tick
        // (its arrays included) was a tenth of a busy client's CPU.
        if let deadline = ice?.nextDeadlineNanos, nowNanos >= deadline, let result = ice?.tick(nowNanos: nowNanos) {
            apply(result, nowNanos: nowNanos)
        }
        if let deadline = dtlsDeadline, nowNanos >= deadline, let dtls {
            handle(dtls.handleTimeout(nowNanos: nowNanos))
        }
    }

    /// Ends the connection; sends close_notify (RFC 7675 §5.2 revokes consent) when connected.
    public func close(reason: String, sendCloseNotify: Bool = true) {
        if case .closed = state { return }
        if sendCloseNotify, state == .connected, let dtls, let remoteAddress {
            for datagram in dtls.close().datagrams { output?.send(datagram, to: remoteAddress) }
        }
        state = .closed(reason)
        ice?.close()
        srtp = nil
        delegate?.clientTransportClosed(self, reason: reason)
    }
}
