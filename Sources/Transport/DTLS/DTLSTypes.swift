import SRTP

/// Which side of the DTLS handshake we play (RFC 5763 §5: `a=setup:passive` → server).
public enum DTLSRole: Sendable, Hashable {
    case client
    case server
}

/// Why a DTLS session failed.
public enum DTLSError: Error, Sendable, Hashable {
    /// Creating the key pair, certificate or SSL_CTX failed (OpenSSL error text attached).
    case certificateGenerationFailed(String)
    /// The remote fingerprint from SDP is not a "sha-256" value of 32 hex byte pairs.
    case invalidFingerprint(String)
    /// SSL/BIO setup failed (OpenSSL error text attached).
    case setupFailed(String)
    /// The peer's certificate does not hash to the SDP fingerprint (RFC 5763 §5; RFC 8122 §5).
    case fingerprintMismatch
    /// The peer presented no certificate.
    case noPeerCertificate
    /// The handshake finished without a negotiated `use_srtp` profile (RFC 5764 §4.1.3).
    case noSRTPProfile
    /// Exporting the SRTP keys failed (RFC 5764 §4.2).
    case keyExportFailed
    /// Retransmissions were exhausted without an answer (RFC 6347 §4.2.4).
    case handshakeTimeout
    /// The peer sent a fatal alert or the handshake failed otherwise (OpenSSL error text attached).
    case handshakeFailed(String)
    /// After the handshake: a fatal alert or protocol error (OpenSSL error text attached).
    case connectionFailed(String)
}

/// Something the owner of a `DTLSSession` must act on.
public enum DTLSEvent: Sendable, Hashable {
    /// The handshake completed and the peer's certificate matched: start SRTP with these keys.
    case connected(SRTPKeyingMaterial)
    /// The peer sent close_notify (RFC 5246 §7.2.1): tear the transport down.
    case closed
    /// The session is dead; any alert for the peer is already in `datagrams`.
    case failed(DTLSError)
    /// After the handshake, a record that did not decrypt or parse was dropped (RFC 6347
    /// §4.1.2.7): anyone who knows the peer's address can send one, so it ends nothing.
    case discarded(String)
}

/// What one call into a `DTLSSession` produced.
public struct DTLSOutput: Sendable, Hashable {
    /// Datagrams to send to the peer, in order. Each is at most the session's MTU and holds
    /// whole DTLS records only.
    public var datagrams: [[UInt8]]
    public var events: [DTLSEvent]
    /// Absolute deadline, on the caller's `nowNanos` clock, at which to call
    /// `handleTimeout(nowNanos:)`; nil when no retransmission timer runs (never after the
    /// handshake completed). Re-arm the timer from every output: the latest one wins.
    public var retransmitDeadlineNanos: UInt64?

    public init(datagrams: [[UInt8]] = [], events: [DTLSEvent] = [], retransmitDeadlineNanos: UInt64? = nil) {
        self.datagrams = datagrams
        self.events = events
        self.retransmitDeadlineNanos = retransmitDeadlineNanos
    }
}
