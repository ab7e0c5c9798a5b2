import DTLS
import ICE
import RTP
import SRTP
import STUN

/// One WebRTC peer connection without a socket: ICE (lite or controlling, RFC 8445), DTLS
/// (RFC 6347, keys for SRTP per RFC 5764) and SRTP/SRTCP (RFC 3711) over one bundled component,
/// driven from outside like the ICE agents it holds. Datagrams and time go in (`receive`,
/// `tick`); datagrams, events and a deadline come out (`Output`, `nextDeadlineNanos`); media is
/// decrypted in the caller's buffer and encrypted in the caller's buffer, so the media path
/// allocates nothing here.
///
/// Tuples are `TransportAddress`es. The owner maps them to real paths: a UDP peer address on a
/// shared port, an ICE-TCP connection (given a synthetic tuple, with its real address passed as
/// `mappedAddress` for STUN answers), or the remote end of a socket of its own.
///
/// Liveness: a lite connection (a media node toward a browser or a dialing node) counts every
/// authenticated check, every SRTP/SRTCP packet that verifies and the completed DTLS handshake as
/// proof that the peer is there; GStreamer's webrtcbin sends no consent checks once connected
/// (FIELD-NOTES). A controlling connection keeps consent itself with checks (RFC 7675 §5.1).
///
/// Not Sendable: confine it to the event loop that owns its paths.
public final class PeerConnection {
    public let iceRole: ICERole
    public private(set) var dtlsRole: DTLSRole
    public let certificate: DTLSCertificate
    public let configuration: Configuration
    public internal(set) var localCredentials: ICECredentials
    public private(set) var state: State = .new
    /// The tuple media goes to; nil until ICE picked one.
    public private(set) var selectedPath: TransportAddress?
    public private(set) var statistics = Statistics()

    var lite: ICELiteAgent?
    var controlling: ICEControllingAgent?
    private var dtls: DTLSSession?
    private var srtp: SRTPSession?
    private var dtlsDeadline: UInt64?
    /// When the connection must be connected by (`start` + `connectTimeoutNanos`).
    private var connectDeadline: UInt64?

    /// - Parameter dtlsRole: from the answer's `a=setup` (RFC 5763 §5): a media node answering
    ///   `passive` is the DTLS server; the dialing side of a link is the client.
    public init(iceRole: ICERole, dtlsRole: DTLSRole, certificate: DTLSCertificate,
                localCredentials: ICECredentials = .random(), configuration: Configuration = Configuration()) {
        self.iceRole = iceRole
        self.dtlsRole = dtlsRole
        self.certificate = certificate
        self.localCredentials = localCredentials
        self.configuration = configuration
    }

    public var isConnected: Bool { state == .connected }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Starts ICE toward the peer and prepares DTLS. A lite connection waits for checks; a
    /// controlling one sends its first check now. Throws if the fingerprint is unusable.
    ///
    /// - Parameter dtlsRole: when the role is known only now (an offerer learns it from the
    ///   answer's `a=setup`), it replaces the one given at creation.
    public func start(remote: RemoteParameters, dtlsRole: DTLSRole? = nil, nowNanos: UInt64,
                      into output: inout Output) throws(DTLSError) {
        guard state == .new else { return }
        if let dtlsRole { self.dtlsRole = dtlsRole }
        dtls = try DTLSSession(role: self.dtlsRole, certificate: certificate, remoteFingerprint: remote.fingerprint,
                               mtu: configuration.dtlsMTU, srtpProfiles: configuration.srtpProfiles)
        state = .checking
        connectDeadline = nowNanos + configuration.connectTimeoutNanos
        switch iceRole {
        case .lite:
            lite = ICELiteAgent(local: localCredentials, remoteUfrag: remote.ufrag, remotePassword: remote.password,
                                configuration: configuration.lite, nowNanos: nowNanos)
        case .controlling:
            var agent = makeControllingAgent(local: localCredentials, remote: remote)
            let checks = agent.start(nowNanos: nowNanos)
            controlling = agent
            output.datagrams.append(contentsOf: checks)
        }
    }

    // MARK: - Receive

    /// One datagram from `source`. `buffer` holds `length` bytes and is decrypted in place, so it
    /// must be the caller's scratch memory.
    public func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: TransportAddress,
                        mappedAddress: TransportAddress? = nil, nowNanos: UInt64, into output: inout Output) -> Inbound {
        guard !isClosed, state != .new else { return .consumed }
        guard length > 0, length <= buffer.count else {
            statistics.unknownDatagrams += 1
            return .consumed
        }
        // RFC 7983 §7: demultiplex by the first byte.
        switch buffer[0] {
        case 0...3:
            let bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
            receiveSTUN(bytes, from: source, mappedAddress: mappedAddress, nowNanos: nowNanos, into: &output)
            return .consumed
        case 20...63:
            guard isValidated(source) else {
                statistics.unvalidatedSource += 1
                return .consumed
            }
            receiveDTLS(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), from: source, nowNanos: nowNanos, into: &output)
            return .consumed
        case 128...191:
            guard isValidated(source) else {
                statistics.unvalidatedSource += 1
                return .consumed
            }
            return receiveSRTP(buffer, length: length, nowNanos: nowNanos)
        default:
            statistics.unknownDatagrams += 1
            return .consumed
        }
    }

    /// Whether media and DTLS from `source` may be accepted: it passed ICE.
    func isValidated(_ source: TransportAddress) -> Bool {
        switch iceRole {
        case .lite: lite?.isValidated(source) ?? false
        case .controlling: source == selectedPath || source == controlling?.selectedRemote
        }
    }

    private func receiveSRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, nowNanos: UInt64) -> Inbound {
        guard let srtp, let base = buffer.baseAddress, length >= 12 else {
            statistics.unauthenticated += 1
            return .consumed
        }
        // RFC 5761 §4: RTCP packet types 192–223 sit where RTP has marker + payload type.
        if RTCPCompound.isRTCP(firstByte: buffer[0], secondByte: buffer[1]) {
            guard let plainLength = try? srtp.unprotectRTCP(base, length: length) else {
                statistics.unauthenticated += 1
                return .consumed
            }
            provesLiveness(nowNanos: nowNanos)
            guard let packets = try? RTCPCompound.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength])) else {
                statistics.malformed += 1
                return .consumed
            }
            return .rtcp(packets)
        }
        guard let plainLength = try? srtp.unprotectRTP(base, length: length) else {
            statistics.unauthenticated += 1
            return .consumed
        }
        provesLiveness(nowNanos: nowNanos)
        let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength])
        guard let header = RTPHeader.parse(packet) else {
            statistics.malformed += 1
            return .consumed
        }
        return .rtp(header, packet)
    }

    /// RFC 7675 §5.1 has the *sender* verify consent; as the lite receiver, an authenticated
    /// packet is the proof that the peer is there.
    private func provesLiveness(nowNanos: UInt64) {
        if iceRole == .lite { lite?.refreshConsent(nowNanos: nowNanos) }
    }

    // MARK: - DTLS

    private func receiveDTLS(_ datagram: UnsafeRawBufferPointer, from source: TransportAddress, nowNanos: UInt64,
                             into output: inout Output) {
        guard let dtls else { return }
        handle(dtls.receive(datagram, nowNanos: nowNanos), replyTo: source, nowNanos: nowNanos, into: &output)
    }

    /// ICE chose the first path: a DTLS client speaks first (RFC 5763 §5).
    func pathChosen(nowNanos: UInt64, into output: inout Output) {
        guard state == .checking, let dtls else { return }
        state = .handshaking
        if dtlsRole == .client { handle(dtls.start(nowNanos: nowNanos), replyTo: nil, nowNanos: nowNanos, into: &output) }
    }

    private func handle(_ result: DTLSOutput, replyTo source: TransportAddress?, nowNanos: UInt64, into output: inout Output) {
        if let target = selectedPath ?? source {
            for datagram in result.datagrams { output.datagrams.append(Datagram(bytes: datagram, to: target)) }
        }
        dtlsDeadline = result.retransmitDeadlineNanos
        for event in result.events {
            switch event {
            case .connected(let keying):
                do {
                    srtp = try SRTPSession(keying: keying)
                } catch {
                    return close(.srtpSetupFailed(error), sendCloseNotify: false, into: &output)
                }
                if state == .checking { state = .handshaking }
                state = .connected
                // The handshake authenticated the peer's certificate against its fingerprint.
                provesLiveness(nowNanos: nowNanos)
                output.events.append(.connected(keying.profile))
            case .closed:
                close(.peerClosed, sendCloseNotify: false, into: &output)
            case .failed(let error):
                close(.dtlsFailed(error), sendCloseNotify: false, into: &output)
            case .discarded:
                statistics.unauthenticated += 1
            }
        }
    }

    // MARK: - Send (media)

    /// Bytes the caller must leave free after a packet for `protectRTP` / `protectRTCP`.
    public static let maximumTrailerLength = SRTPSession.maxTrailerLength

    /// Encrypts the plaintext RTP packet of `length` bytes at `base` in place; returns the
    /// protected length, or nil when there are no keys yet (or no longer) or libsrtp refused.
    public func protectRTP(_ base: UnsafeMutableRawPointer, length: Int, capacity: Int) -> Int? {
        guard let srtp else { return nil }
        return try? srtp.protectRTP(base, length: length, capacity: capacity)
    }

    /// Serializes `packets` as one compound packet into `buffer` and encrypts it (SRTCP).
    public func protectRTCP(_ packets: [RTCPPacket], into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let srtp, let base = buffer.baseAddress, !packets.isEmpty else { return nil }
        let plain = RTCPCompound.serialize(packets)
        guard plain.count + Self.maximumTrailerLength <= buffer.count else { return nil }
        buffer.copyBytes(from: plain)
        return try? srtp.protectRTCP(base, length: plain.count, capacity: buffer.count)
    }

    // MARK: - Time and teardown

    /// When `tick` must next run; nil when nothing is pending.
    public var nextDeadlineNanos: UInt64? {
        guard !isClosed else { return nil }
        let ice: UInt64? = iceRole == .lite ? lite?.nextDeadlineNanos : controlling?.nextDeadlineNanos
        let connect = state == .connected ? nil : connectDeadline
        return Self.earliest(Self.earliest(ice, dtlsDeadline), connect)
    }

    private static func earliest(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
        switch (a, b) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    /// Consent (RFC 7675), ICE pacing and retransmissions, DTLS retransmissions.
    public func tick(nowNanos: UInt64, into output: inout Output) {
        guard !isClosed else { return }
        if state != .connected, let deadline = connectDeadline, nowNanos >= deadline {
            return close(.connectTimedOut(seconds: Double(configuration.connectTimeoutNanos) / 1e9),
                         sendCloseNotify: false, into: &output)
        }
        switch iceRole {
        case .lite:
            if case .expired = lite?.tick(nowNanos: nowNanos) {
                // RFC 7675 §5.1: consent expired — stop sending and free everything.
                return close(.consentExpired, sendCloseNotify: false, into: &output)
            }
        case .controlling:
            // Mutated in place through the optional: copying the agent out and back on every tick
            // (its arrays included) was a tenth of a busy client's CPU.
            if let deadline = controlling?.nextDeadlineNanos, nowNanos >= deadline,
               let result = controlling?.tick(nowNanos: nowNanos) {
                apply(result, nowNanos: nowNanos, into: &output)
            }
        }
        if let deadline = dtlsDeadline, nowNanos >= deadline, let dtls, !isClosed {
            handle(dtls.handleTimeout(nowNanos: nowNanos), replyTo: nil, nowNanos: nowNanos, into: &output)
        }
    }

    /// Ends the connection. `sendCloseNotify` revokes consent (RFC 7675 §5.2, WHIP DELETE) when
    /// connected. Reports `.closed` once.
    public func close(reason: String, sendCloseNotify: Bool = true, into output: inout Output) {
        close(.closedLocally(reason), sendCloseNotify: sendCloseNotify, into: &output)
    }

    func close(_ reason: CloseReason, sendCloseNotify: Bool, into output: inout Output) {
        guard !isClosed else { return }
        if sendCloseNotify, state == .connected, let dtls, let target = selectedPath {
            for datagram in dtls.close().datagrams { output.datagrams.append(Datagram(bytes: datagram, to: target)) }
        }
        state = .closed(reason)
        lite?.close()
        controlling?.close()
        srtp = nil
        dtlsDeadline = nil
        output.events.append(.closed(reason))
    }

    func select(_ tuple: TransportAddress, into output: inout Output) {
        guard tuple != selectedPath else { return }
        selectedPath = tuple
        output.events.append(.selectedPathChanged(tuple))
    }

    func makeControllingAgent(local: ICECredentials, remote: RemoteParameters) -> ICEControllingAgent {
        ICEControllingAgent(local: local, remoteUfrag: remote.ufrag, remotePassword: remote.password,
                            remoteCandidates: remote.candidates, tieBreaker: ICEControllingAgent.randomTieBreaker(),
                            configuration: configuration.controlling)
    }
}
