import COpenSSL
import CShims
import SRTP

/// A self-signed ECDSA P-256 certificate and the one `SSL_CTX` every DTLS session using it shares.
///
/// `@unchecked Sendable` is sound because the object is immutable after `init`: the SSL_CTX is
/// fully configured before anyone can see it and never changed afterwards, OpenSSL 3 makes
/// `SSL_new` on a shared, unmodified SSL_CTX thread-safe (its reference count is atomic), and the
/// fingerprint is a `let` String. Creating an SSL_CTX per session would be slow; sharing one per
/// certificate serves both roles because `DTLS_method()` is role-neutral.
public final class DTLSCertificate: @unchecked Sendable {
    /// "AB:CD:…" — the SHA-256 fingerprint in the form SDP's `a=fingerprint:sha-256` wants (RFC 8122 §5).
    public let fingerprintSHA256: String

    /// The shared, read-only context (owned; freed in deinit).
    let context: OpaquePointer

    /// Protection profiles in server preference order; OpenSSL as server picks the first of
    /// its own list the client offered (INTEROP-NOTES §3).
    public static let defaultSRTPProfiles: [SRTPProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80]

    /// ECDHE groups, preferred first. Firefox's X25519MLKEM768 is DTLS 1.3 only; X25519 is picked instead.
    static let groups = "X25519:P-256:P-384"

    private init(context: OpaquePointer, fingerprintSHA256: String) {
        self.context = context
        self.fingerprintSHA256 = fingerprintSHA256
    }

    deinit { SSL_CTX_free(context) }

    /// Generates a fresh key pair and certificate: ECDSA P-256 (what Chrome, Firefox, mediasoup and
    /// aiortc use), random positive 128-bit serial, valid from a day ago (clock skew) for 30 days.
    public static func generateSelfSigned(commonName: String = "cascade") throws(DTLSError) -> DTLSCertificate {
        OpenSSLErrors.clear()
        func fail(_ step: String) -> DTLSError { .certificateGenerationFailed("\(step): \(OpenSSLErrors.drain())") }

        guard let key = cshims_EVP_EC_gen_P256() else { throw fail("EVP_EC_gen") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw fail("X509_new") }
        defer { X509_free(certificate) }

        guard X509_set_version(certificate, 2) == 1 else { throw fail("X509_set_version") }  // v3

        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else { throw fail("RAND_bytes") }
        serial[0] = (serial[0] & 0x7F) | 0x40  // positive (RFC 5280 §4.1.2.2) and full length
        guard let serialNumber = BN_bin2bn(serial, Int32(serial.count), nil) else { throw fail("BN_bin2bn") }
        defer { BN_free(serialNumber) }
        guard BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(certificate)) != nil else {
            throw fail("BN_to_ASN1_INTEGER")
        }

        let day = 86_400
        guard X509_gmtime_adj(X509_getm_notBefore(certificate), -day) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), 30 * day) != nil
        else { throw fail("X509_gmtime_adj") }

        guard X509_set_pubkey(certificate, key) == 1 else { throw fail("X509_set_pubkey") }
        guard let name = X509_get_subject_name(certificate) else { throw fail("X509_get_subject_name") }
        let commonNameBytes = Array(commonName.utf8)
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonNameBytes, Int32(commonNameBytes.count),
                                         -1, 0) == 1
        else { throw fail("X509_NAME_add_entry_by_txt") }
        guard X509_set_issuer_name(certificate, name) == 1 else { throw fail("X509_set_issuer_name") }
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw fail("X509_sign") }

        guard let fingerprint = sha256Fingerprint(of: certificate) else { throw fail("X509_digest") }
        let context = try makeContext(certificate: certificate, key: key)
        return DTLSCertificate(context: context, fingerprintSHA256: formatFingerprint(fingerprint))
    }

    /// Builds the shared SSL_CTX: DTLS 1.2 only, our certificate, use_srtp, ECDHE groups, peer
    /// certificates required but checked by fingerprint rather than by a CA (RFC 5763 §5).
    private static func makeContext(certificate: OpaquePointer, key: OpaquePointer) throws(DTLSError) -> OpaquePointer {
        func fail(_ step: String) -> DTLSError { .certificateGenerationFailed("\(step): \(OpenSSLErrors.drain())") }
        guard let context = SSL_CTX_new(DTLS_method()) else { throw fail("SSL_CTX_new") }
        var ok = false
        defer { if !ok { SSL_CTX_free(context) } }

        guard SSL_CTX_use_certificate(context, certificate) == 1,
              SSL_CTX_use_PrivateKey(context, key) == 1,
              SSL_CTX_check_private_key(context) == 1
        else { throw fail("SSL_CTX_use_certificate") }
        // DTLS 1.0 is obsolete (RFC 8996); OpenSSL 3.0 has no DTLS 1.3.
        guard cshims_SSL_CTX_set_dtls12_only(context) == 1 else { throw fail("set DTLS 1.2") }
        // NO_QUERY_MTU: a memory BIO has no path MTU; we set it explicitly per session (INTEROP-NOTES §3).
        // NO_RENEGOTIATION: RFC 5764 keys are bound to the first handshake.
        _ = SSL_CTX_set_options(context, cshims_SSL_OP_NO_QUERY_MTU() | cshims_SSL_OP_NO_RENEGOTIATION()
                                    | cshims_SSL_OP_NO_TICKET())
        cshims_SSL_CTX_disable_session_cache(context)
        guard cshims_SSL_CTX_set1_groups_list(context, groups) == 1 else { throw fail("set groups") }
        // RFC 5764 §4.1.1: use_srtp extension. Returns 0 on success (sic).
        let profileList = defaultSRTPProfiles.map(\.openSSLName).joined(separator: ":")
        guard SSL_CTX_set_tlsext_use_srtp(context, profileList) == 0 else { throw fail("use_srtp") }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtlsVerifyCallback)
        ok = true
        return context
    }

    static func sha256Fingerprint(of certificate: OpaquePointer) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1, length == 32 else { return nil }
        return Array(digest.prefix(Int(length)))
    }

    static func formatFingerprint(_ bytes: [UInt8]) -> String {
        let hex: [Character] = Array("0123456789ABCDEF")
        var text = ""
        text.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(":") }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return text
    }

    /// Parses "AB:cd:…" (case-insensitive, RFC 8122 §5) into bytes; nil unless 32 well-formed pairs.
    static func parseFingerprint(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for part in parts {
            guard part.utf8.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
