import CSRTP
import CShims

/// SRTP/SRTCP protection for one peer transport (RFC 3711; AEAD-GCM per RFC 7714), backed by libsrtp2.
///
/// Holds two libsrtp contexts: outbound (our master key, any SSRC we send) and inbound (the
/// peer's master key, any SSRC it sends). Not Sendable: confine it to the event loop that owns
/// the transport. The per-packet calls work in place and do not allocate (libsrtp allocates
/// once per new SSRC when it clones a stream template).
public final class SRTPSession {
    /// Bytes a caller must leave free after a packet for `protectRTP` / `protectRTCP`:
    /// libsrtp may write `SRTP_MAX_TRAILER_LEN` (tag + MKI), plus the 4-byte SRTCP index for RTCP.
    public static let maxTrailerLength: Int = Int(cshims_SRTP_MAX_TRAILER_LEN()) + 4

    /// Replay window in packets; mediasoup uses 1024 so reordered video survives (INTEROP-NOTES §4).
    public static let replayWindowSize: UInt = 1024

    public let profile: SRTPProfile
    private var outbound: srtp_t?
    private var inbound: srtp_t?

    /// Creates both contexts. Throws if the key/salt lengths do not match the profile.
    public init(keying: SRTPKeyingMaterial) throws(SRTPError) {
        try SRTPLibrary.ensureInitialized()
        let profile = keying.profile
        guard keying.localMasterKey.count == profile.masterKeyLength,
              keying.remoteMasterKey.count == profile.masterKeyLength,
              keying.localMasterSalt.count == profile.masterSaltLength,
              keying.remoteMasterSalt.count == profile.masterSaltLength
        else { throw .invalidKeyLength }
        self.profile = profile
        outbound = try Self.makeContext(profile: profile, key: keying.localMasterKey + keying.localMasterSalt,
                                        direction: ssrc_any_outbound)
        do {
            inbound = try Self.makeContext(profile: profile, key: keying.remoteMasterKey + keying.remoteMasterSalt,
                                           direction: ssrc_any_inbound)
        } catch {
            srtp_dealloc(outbound)
            outbound = nil
            throw error
        }
    }

    deinit {
        if let outbound { srtp_dealloc(outbound) }
        if let inbound { srtp_dealloc(inbound) }
    }

    private static func makeContext(profile: SRTPProfile, key: [UInt8],
                                    direction: srtp_ssrc_type_t) throws(SRTPError) -> srtp_t {
        var policy = srtp_policy_t()
        switch profile {
        case .aeadAES128GCM:
            // RFC 7714 §14.2: AEAD_AES_128_GCM, 16-byte tag, for both SRTP and SRTCP.
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aes128CMHMACSHA1_80:
            // The libsrtp default is AES_CM_128_HMAC_SHA1_80 (RFC 3711 §5).
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        }
        policy.ssrc.type = direction
        policy.ssrc.value = 0
        policy.window_size = replayWindowSize
        // We may resend a packet with the same index (NACK answered without RTX): libsrtp would
        // otherwise refuse to protect it twice (INTEROP-NOTES §4).
        policy.allow_repeat_tx = 1
        policy.next = nil
        var context: srtp_t?
        var keyCopy = key
        let status = keyCopy.withUnsafeMutableBufferPointer { keyBuffer in
            policy.key = keyBuffer.baseAddress
            return srtp_create(&context, &policy)  // copies the key material
        }
        for index in keyCopy.indices { keyCopy[index] = 0 }
        guard status == srtp_err_status_ok, let context else {
            throw .contextCreationFailed(code: Int32(bitPattern: status.rawValue))
        }
        return context
    }

    // MARK: - Hot path (in place, no allocation)

    /// Protects an RTP packet in place (RFC 3711 §3.3). Returns the new length.
    /// `capacity` must be at least `length + SRTPSession.maxTrailerLength`.
    public func protectRTP(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        guard length >= 12, length <= Int(Int32.max) - Self.maxTrailerLength else { throw .invalidPacketLength }
        guard capacity >= length + Self.maxTrailerLength else { throw .insufficientCapacity }
        var newLength = Int32(length)
        try Self.check(srtp_protect(outbound, buffer, &newLength))
        return Int(newLength)
    }

    /// Verifies and decrypts an SRTP packet in place (RFC 3711 §3.3). Returns the RTP length.
    public func unprotectRTP(_ buffer: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        guard length >= 12, length <= Int(Int32.max) else { throw .invalidPacketLength }
        var newLength = Int32(length)
        try Self.check(srtp_unprotect(inbound, buffer, &newLength))
        return Int(newLength)
    }

    /// Protects an RTCP compound packet in place (RFC 3711 §3.4). Returns the new length.
    /// `capacity` must be at least `length + SRTPSession.maxTrailerLength`.
    public func protectRTCP(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        guard length >= 8, length <= Int(Int32.max) - Self.maxTrailerLength else { throw .invalidPacketLength }
        guard capacity >= length + Self.maxTrailerLength else { throw .insufficientCapacity }
        var newLength = Int32(length)
        try Self.check(srtp_protect_rtcp(outbound, buffer, &newLength))
        return Int(newLength)
    }

    /// Verifies and decrypts an SRTCP packet in place (RFC 3711 §3.4). Returns the RTCP length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        guard length >= 8, length <= Int(Int32.max) else { throw .invalidPacketLength }
        var newLength = Int32(length)
        try Self.check(srtp_unprotect_rtcp(inbound, buffer, &newLength))
        return Int(newLength)
    }

    @inline(__always)
    private static func check(_ status: srtp_err_status_t) throws(SRTPError) {
        if status == srtp_err_status_ok { return }
        switch status {
        case srtp_err_status_auth_fail: throw .authenticationFailed
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: throw .replay
        default: throw .libsrtp(code: Int32(bitPattern: status.rawValue))
        }
    }
}

// MARK: - Convenience for tests and control-rate code (allocates)

extension SRTPSession {
    public func protectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, extra: Self.maxTrailerLength) { (pointer, length, capacity) throws(SRTPError) in
            try protectRTP(pointer, length: length, capacity: capacity)
        }
    }

    public func unprotectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, extra: 0) { (pointer, length, _) throws(SRTPError) in
            try unprotectRTP(pointer, length: length)
        }
    }

    public func protectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, extra: Self.maxTrailerLength) { (pointer, length, capacity) throws(SRTPError) in
            try protectRTCP(pointer, length: length, capacity: capacity)
        }
    }

    public func unprotectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, extra: 0) { (pointer, length, _) throws(SRTPError) in
            try unprotectRTCP(pointer, length: length)
        }
    }

    private func transform(_ packet: [UInt8], extra: Int,
                           _ body: (UnsafeMutableRawPointer, Int, Int) throws(SRTPError) -> Int) throws(SRTPError) -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: extra)
        let result: Result<Int, SRTPError> = buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return .failure(.invalidPacketLength) }
            do throws(SRTPError) {
                return .success(try body(base, packet.count, raw.count))
            } catch {
                return .failure(error)
            }
        }
        let newLength = try result.get()
        buffer.removeSubrange(newLength...)
        return buffer
    }
}
