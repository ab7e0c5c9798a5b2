import DTLS
import MediaServer
import PeerConnection
import SDP
import STUN

/// Offer/answer for a load generator's `PeerTransport`, the way a browser does it toward WHIP/WHEP: we offer
/// (RFC 8829 §5.2, via `SDP.makeOffer`) with `a=setup:actpass`, the server answers, and the answer
/// decides the DTLS role and gives the candidates to check.
enum ClientNegotiation {
    enum Failure: Error, CustomStringConvertible, Sendable {
        case malformedAnswer(String)
        case negotiation(NegotiationError)
        case noUsableCandidate
        case noFingerprint
        case transport(String)

        var description: String {
            switch self {
            case .malformedAnswer(let reason): "malformed answer: \(reason)"
            case .negotiation(let error): "negotiation failed: \(error)"
            case .noUsableCandidate: "the answer has no UDP candidate with an IP literal"
            case .noFingerprint: "the answer has no sha-256 fingerprint"
            case .transport(let reason): "transport setup failed: \(reason)"
            }
        }
    }

    /// The offer for `connection`: its ICE credentials and certificate fingerprint, no candidates
    /// (the server is ICE-lite and learns ours from the checks, as with a browser's mDNS ones).
    static func makeOffer(for connection: PeerConnection, direction: MediaDirection,
                                 kinds: [MediaKind] = [.audio, .video], capabilities: MediaCapabilities = .sfuDefault,
                                 outgoingTracks: [MediaKind: OutgoingTrack] = [:]) -> SessionDescription {
        SDP.makeOffer(options: OfferOptions(
            iceUfrag: connection.localCredentials.ufrag, icePwd: connection.localCredentials.password,
            fingerprintSHA256: connection.certificate.fingerprintSHA256, direction: direction, kinds: kinds,
            capabilities: capabilities, outgoingTracks: outgoingTracks,
            sessionID: UInt64.random(in: 1...UInt64(Int64.max))))
    }

    /// Reads the answer and starts ICE and DTLS toward it. Returns what was negotiated (payload
    /// types, extension ids, the server's SSRCs) for the caller's media.
    @discardableResult
    static func accept(answerSDP: String, to offer: SessionDescription, on transport: PeerTransport,
                              nowNanos: UInt64) throws(Failure) -> NegotiatedSession {
        let answer: SessionDescription
        do { answer = try SessionDescription.parse(answerSDP) } catch { throw .malformedAnswer("\(error)") }
        let negotiated: NegotiatedSession
        do { negotiated = try SDP.acceptAnswer(answer, to: offer) } catch { throw .negotiation(error) }
        let remote = negotiated.remote
        // RFC 8445 §6.1.2.6: check in priority order.
        let candidates = remote.candidates
            .filter { $0.isUDP && $0.component == 1 }
            .sorted { $0.priority > $1.priority }
            .compactMap { TransportAddress($0.address, port: $0.port) }
        guard !candidates.isEmpty else { throw .noUsableCandidate }
        guard let fingerprint = remote.fingerprints.first(where: { $0.algorithm.lowercased() == "sha-256" }) else {
            throw .noFingerprint
        }
        let role: DTLS.DTLSRole = negotiated.dtlsRole == .client ? .client : .server
        do {
            try transport.start(remote: .init(ufrag: remote.iceUfrag, password: remote.icePwd,
                                              fingerprint: fingerprint.value, candidates: candidates),
                                dtlsRole: role, nowNanos: nowNanos)
        } catch {
            throw .transport("\(error)")
        }
        return negotiated
    }
}
