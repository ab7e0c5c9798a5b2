import COpenSSL

/// The SSL_CTX verify callback: WebRTC certificates are self-signed, so the CA check is
/// irrelevant; the leaf must instead hash to the fingerprint signalled in SDP (RFC 5763 §5).
/// OpenSSL calls it synchronously inside `SSL_do_handshake`, on the session's own thread.
let dtlsVerifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, store in
    guard let store else { return 0 }
    // Only the end-entity certificate (depth 0) carries the signalled fingerprint.
    guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
    guard let sslRaw = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let sessionRaw = SSL_get_ex_data(OpaquePointer(sslRaw), DTLSSession.exDataIndex),
          let certificate = X509_STORE_CTX_get_current_cert(store)
    else { return 0 }
    let session = Unmanaged<DTLSSession>.fromOpaque(sessionRaw).takeUnretainedValue()
    return session.verifyPeerCertificate(certificate) ? 1 : 0
}

/// Retransmission schedule (RFC 6347 §4.2.4.1): OpenSSL's default starts at 1 s; we start at
/// 100 ms like LiveKit's pion setup and double up to 2 s. OpenSSL gives up after 12 timeouts
/// (about 17 s), before ICE consent would.
let dtlsTimerCallback: @convention(c) (OpaquePointer?, UInt32) -> UInt32 = { _, previousMicros in
    if previousMicros == 0 { return DTLSSession.initialRetransmitMicros }
    return min(previousMicros &* 2, DTLSSession.maximumRetransmitMicros)
}
