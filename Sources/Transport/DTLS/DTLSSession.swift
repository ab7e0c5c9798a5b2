import COpenSSL
import CShims
import SRTP

/// One DTLS 1.2 association (RFC 6347) negotiating DTLS-SRTP keys (RFC 5764), driven entirely
/// from outside: datagrams and time go in, datagrams, events and a retransmit deadline come out.
///
/// OpenSSL talks to two memory BIOs; nothing here touches sockets or clocks. Not Sendable:
/// confine each session to the event loop that owns its transport.
///
/// Timers: OpenSSL 3.0 measures its retransmission timer with its own wall clock, so a timeout
/// fires only once that much real time has passed. `retransmitDeadlineNanos` is "now + OpenSSL's
/// remaining time" on the caller's clock; calling `handleTimeout` early is harmless.
public final class DTLSSession {
    static let initialRetransmitMicros: UInt32 = 100_000
    static let maximumRetransmitMicros: UInt32 = 2_000_000
    /// SSL ex_data slot 0 is the always-allocated "app data" slot.
    static let exDataIndex: Int32 = 0

    private enum State { case handshaking, connected, closed, failed }

    public let role: DTLSRole
    public let mtu: Int
    public let certificate: DTLSCertificate
    /// The peer certificate's SHA-256 fingerprint ("AB:CD:…") once it has been seen.
    public private(set) var peerFingerprintSHA256: String?
    /// The keys, once connected.
    public private(set) var keyingMaterial: SRTPKeyingMaterial?

    private let expectedFingerprint: [UInt8]?
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer   // owned by ssl
    private let writeBIO: OpaquePointer  // owned by ssl
    private var state: State = .handshaking
    private var fingerprintMismatched = false
    private var scratch = [UInt8](repeating: 0, count: 2048)  // SSL_read keeps a longer record's rest

    /// - Parameters:
    ///   - remoteFingerprint: the `a=fingerprint:sha-256` value from the peer's SDP, compared
    ///     case-insensitively; nil accepts any certificate (check `peerFingerprintSHA256` yourself).
    ///   - mtu: the largest datagram we send. 1200 matches Janus and webrtcbin and survives tunnels.
    ///   - srtpProfiles: `use_srtp` profiles offered (client) or accepted (server), preferred first.
    ///     The default offers GCM, then AES-CM/HMAC-SHA1-80.
    public init(role: DTLSRole, certificate: DTLSCertificate, remoteFingerprint: String?, mtu: Int = 1200,
                srtpProfiles: [SRTPProfile] = DTLSCertificate.defaultSRTPProfiles) throws(DTLSError) {
        if let remoteFingerprint {
            guard let bytes = DTLSCertificate.parseFingerprint(remoteFingerprint) else {
                throw .invalidFingerprint(remoteFingerprint)
            }
            expectedFingerprint = bytes
        } else {
            expectedFingerprint = nil
        }
        self.role = role
        self.mtu = mtu
        self.certificate = certificate

        OpenSSLErrors.clear()
        guard let ssl = SSL_new(certificate.context) else { throw .setupFailed("SSL_new: \(OpenSSLErrors.drain())") }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setupFailed("BIO_new: \(OpenSSLErrors.drain())")
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw .setupFailed("BIO_new: \(OpenSSLErrors.drain())")
        }
        // An empty read BIO means "no datagram yet" (retry), not end of stream.
        cshims_BIO_set_mem_eof_return(readBIO, -1)
        cshims_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // ssl owns both BIOs now

        // RFC 6347 §4.1.1.1: the memory BIO cannot discover a path MTU, so set it explicitly.
        guard mtu >= 256, cshims_DTLS_set_mtu(ssl, mtu) == 1 else {
            SSL_free(ssl)
            throw .setupFailed("MTU \(mtu) rejected")
        }
        if srtpProfiles != DTLSCertificate.defaultSRTPProfiles {
            let list = srtpProfiles.map(\.openSSLName).joined(separator: ":")
            guard !srtpProfiles.isEmpty, SSL_set_tlsext_use_srtp(ssl, list) == 0 else {  // 0 = success
                SSL_free(ssl)
                throw .setupFailed("use_srtp \(list) rejected")
            }
        }
        DTLS_set_timer_cb(ssl, dtlsTimerCallback)
        // No DTLSv1_listen / cookies: ICE already proved the path, and listen refuses the
        // fragmented ClientHellos Firefox 148+ sends (INTEROP-NOTES §3).
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        // Everything that can fail is done: from here on deinit owns `ssl`.
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        // Unretained: the callback only runs inside our own SSL calls, while self is alive.
        SSL_set_ex_data(ssl, Self.exDataIndex, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        SSL_set_ex_data(ssl, Self.exDataIndex, nil)
        SSL_free(ssl)  // frees both BIOs
    }

    public var isConnected: Bool { state == .connected }

    // MARK: - Driving the session

    /// Starts the handshake: a client emits its ClientHello; a server waits for one.
    public func start(nowNanos: UInt64) -> DTLSOutput {
        var output = DTLSOutput()
        if role == .client, state == .handshaking { advanceHandshake(into: &output) }
        return finish(output, nowNanos: nowNanos)
    }

    /// Feeds one received datagram (which may hold several records, or one fragment of a
    /// larger handshake message such as a post-quantum ClientHello).
    public func receive(_ datagram: UnsafeRawBufferPointer, nowNanos: UInt64) -> DTLSOutput {
        var output = DTLSOutput()
        guard state == .handshaking || state == .connected,
              let base = datagram.baseAddress, datagram.count > 0, datagram.count <= Int(Int32.max)
        else { return finish(output, nowNanos: nowNanos) }
        _ = BIO_write(readBIO, base, Int32(datagram.count))
        if state == .handshaking { advanceHandshake(into: &output) }
        if state == .connected { readApplicationData(into: &output) }
        // Whatever OpenSSL did not consume (e.g. a malformed tail) must not leak into the next datagram.
        _ = BIO_ctrl(readBIO, BIO_CTRL_RESET, 0, nil)
        return finish(output, nowNanos: nowNanos)
    }

    /// Convenience for tests and control-rate callers.
    public func receive(_ datagram: [UInt8], nowNanos: UInt64) -> DTLSOutput {
        datagram.withUnsafeBytes { receive($0, nowNanos: nowNanos) }
    }

    /// Call at (or after) `retransmitDeadlineNanos`: resends the last flight if it went unanswered.
    /// Ignored once the handshake is done (openssl#7998, the mediasoup workaround).
    public func handleTimeout(nowNanos: UInt64) -> DTLSOutput {
        var output = DTLSOutput()
        guard state == .handshaking else { return output }
        OpenSSLErrors.clear()
        if cshims_DTLSv1_handle_timeout(ssl) < 0 {
            fail(.handshakeTimeout, into: &output)
        }
        return finish(output, nowNanos: nowNanos)
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and ends the session. Idempotent.
    public func close() -> DTLSOutput {
        var output = DTLSOutput()
        guard state == .handshaking || state == .connected else { return output }
        OpenSSLErrors.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrors.clear()
        state = .closed
        drainWriteBIO(into: &output)
        return output
    }

    // MARK: - Internals

    private func advanceHandshake(into output: inout DTLSOutput) {
        OpenSSLErrors.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            completeHandshake(into: &output)
            return
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
        if fingerprintMismatched {
            fail(.fingerprintMismatch, into: &output)
        } else {
            let reason = OpenSSLErrors.drain()
            fail(.handshakeFailed(reason.isEmpty ? "SSL_get_error \(error)" : reason), into: &output)
        }
    }

    private func completeHandshake(into output: inout DTLSOutput) {
        // The handshake finished but is unusable: tell the peer with close_notify rather than
        // leaving it connected until consent expires.
        func abandon(_ error: DTLSError) {
            _ = SSL_shutdown(ssl)
            OpenSSLErrors.clear()
            fail(error, into: &output)
        }
        // Belt and braces: the verify callback must have seen (and accepted) a certificate.
        guard peerFingerprintSHA256 != nil else { return abandon(.noPeerCertificate) }
        // RFC 5764 §4.1.3: without a negotiated profile there are no SRTP keys.
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let profile = SRTPProfile(rawValue: UInt16(truncatingIfNeeded: selected.pointee.id))
        else { return abandon(.noSRTPProfile) }

        // RFC 5764 §4.2: client key | server key | client salt | server salt.
        let keyLength = profile.masterKeyLength
        let saltLength = profile.masterSaltLength
        var material = [UInt8](repeating: 0, count: 2 * (keyLength + saltLength))
        let label = "EXTRACTOR-dtls_srtp"
        let exported = SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0)
        guard exported == 1 else { return abandon(.keyExportFailed) }

        let clientKey = Array(material[0..<keyLength])
        let serverKey = Array(material[keyLength..<(2 * keyLength)])
        let clientSalt = Array(material[(2 * keyLength)..<(2 * keyLength + saltLength)])
        let serverSalt = Array(material[(2 * keyLength + saltLength)...])
        let keys: SRTPKeyingMaterial
        switch role {
        case .client:
            keys = SRTPKeyingMaterial(profile: profile, localMasterKey: clientKey, localMasterSalt: clientSalt,
                                      remoteMasterKey: serverKey, remoteMasterSalt: serverSalt)
        case .server:
            keys = SRTPKeyingMaterial(profile: profile, localMasterKey: serverKey, localMasterSalt: serverSalt,
                                      remoteMasterKey: clientKey, remoteMasterSalt: clientSalt)
        }
        state = .connected
        keyingMaterial = keys
        output.events.append(.connected(keys))
    }

    /// After the handshake, SSL_read processes the peer's records: close_notify, alerts, and a
    /// retransmitted Finished, which makes OpenSSL resend our last flight (RFC 6347 §4.2.4).
    /// Application data (no data channels here) is discarded.
    private func readApplicationData(into output: inout DTLSOutput) {
        while true {
            OpenSSLErrors.clear()
            let count = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 { continue }
            let error = SSL_get_error(ssl, count)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                state = .closed
                output.events.append(.closed)
                return
            default:
                // RFC 6347 §4.1.2.7: invalid records are silently discarded. An unauthenticated
                // datagram must not end the session, nor make us send the peer an alert (which
                // would end it at the peer's side): what OpenSSL queued for it is dropped.
                let reason = OpenSSLErrors.drain()
                _ = BIO_ctrl(writeBIO, BIO_CTRL_RESET, 0, nil)
                output.events.append(.discarded(reason))
                return
            }
        }
    }

    private func fail(_ error: DTLSError, into output: inout DTLSOutput) {
        state = .failed
        output.events.append(.failed(error))
    }

    /// Collects what OpenSSL wrote and reports the retransmission deadline.
    private func finish(_ output: DTLSOutput, nowNanos: UInt64) -> DTLSOutput {
        var output = output
        drainWriteBIO(into: &output)
        output.retransmitDeadlineNanos = nil
        if state == .handshaking {
            var remainingMicros: UInt64 = 0
            if cshims_DTLSv1_get_timeout(ssl, &remainingMicros) == 1 {
                output.retransmitDeadlineNanos = nowNanos &+ remainingMicros &* 1_000
            }
        }
        return output
    }

    private func drainWriteBIO(into output: inout DTLSOutput) {
        let pending = Int(BIO_ctrl_pending(writeBIO))
        guard pending > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = bytes.withUnsafeMutableBytes { BIO_read(writeBIO, $0.baseAddress, Int32($0.count)) }
        guard read > 0 else { return }
        if Int(read) < pending { bytes.removeSubrange(Int(read)...) }
        output.datagrams.append(contentsOf: DTLSRecordPacker.pack(bytes, mtu: mtu))
    }

    /// Called from the verify callback for the peer's end-entity certificate.
    func verifyPeerCertificate(_ certificate: OpaquePointer) -> Bool {
        guard let digest = DTLSCertificate.sha256Fingerprint(of: certificate) else { return false }
        peerFingerprintSHA256 = DTLSCertificate.formatFingerprint(digest)
        if let expectedFingerprint, expectedFingerprint != digest {
            fingerprintMismatched = true
            return false
        }
        return true
    }
}
