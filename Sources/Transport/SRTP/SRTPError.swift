/// Why an SRTP operation failed. The hot path throws these per packet, so they carry no payload
/// that needs allocating.
public enum SRTPError: Error, Sendable, Hashable {
    /// `srtp_init` failed (libsrtp self-tests or crypto kernel).
    case libraryInitFailed(code: Int32)
    /// Key or salt length does not match the profile.
    case invalidKeyLength
    /// libsrtp refused to create the context.
    case contextCreationFailed(code: Int32)
    /// Packet too short to be RTP/RTCP, or longer than libsrtp accepts.
    case invalidPacketLength
    /// The caller's buffer has no room for the authentication tag / SRTCP index.
    case insufficientCapacity
    /// The authentication tag did not verify (RFC 3711 §3.3 step 5; RFC 7714 §9.3): tampered or wrong key.
    case authenticationFailed
    /// The packet index was already seen or is older than the replay window (RFC 3711 §3.3.2).
    case replay
    /// Any other libsrtp status (`srtp_err_status_t` value).
    case libsrtp(code: Int32)
}
