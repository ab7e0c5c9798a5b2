import DTLS
import ICE
import RTP
import SRTP
import STUN

extension PeerConnection {
    /// Which side of ICE this connection plays. A media node is ICE-lite toward browsers and
    /// toward the nodes that dial it; the dialing side of a link, and the load generator, are
    /// controlling full agents (RFC 8445 §6.1.1: the full agent controls when the peer is lite).
    public enum ICERole: Hashable, Sendable {
        case lite
        case controlling
    }

    public struct Configuration: Sendable {
        public var lite: ICELiteAgent.Configuration
        public var controlling: ICEControllingAgent.Configuration
        /// Largest DTLS datagram (INTEROP-NOTES §3: 1200 like Janus and webrtcbin).
        public var dtlsMTU: Int
        /// `use_srtp` profiles, preferred first (GCM, then AES-CM/HMAC-SHA1-80).
        public var srtpProfiles: [SRTPProfile]
        /// A connection not connected (ICE and DTLS done) this long after `start` is closed: a
        /// session whose client never came must not hold its memory and routes for the whole
        /// consent timeout. Browsers connect in well under a second; TURN over TCP, a few.
        public var connectTimeoutNanos: UInt64

        public init(lite: ICELiteAgent.Configuration = .init(), controlling: ICEControllingAgent.Configuration = .init(),
                    dtlsMTU: Int = 1200, srtpProfiles: [SRTPProfile] = DTLSCertificate.defaultSRTPProfiles,
                    connectTimeoutNanos: UInt64 = 10_000_000_000) {
            self.lite = lite
            self.controlling = controlling
            self.dtlsMTU = dtlsMTU
            self.srtpProfiles = srtpProfiles
            self.connectTimeoutNanos = connectTimeoutNanos
        }
    }

    /// What the peer's session description (or a link's `transport.answer`) says about it.
    public struct RemoteParameters: Hashable, Sendable {
        public var ufrag: String
        public var password: String
        /// `a=fingerprint:sha-256` (RFC 8122 §5), "AB:CD:…".
        public var fingerprint: String
        /// Where a controlling agent sends its checks, best first. A lite agent learns the
        /// peer's addresses from its checks and ignores these.
        public var candidates: [TransportAddress]

        public init(ufrag: String, password: String, fingerprint: String, candidates: [TransportAddress] = []) {
            self.ufrag = ufrag
            self.password = password
            self.fingerprint = fingerprint
            self.candidates = candidates
        }
    }

    public enum State: Hashable, Sendable {
        /// Created; `start` not called yet.
        case new
        /// ICE runs; no path chosen yet.
        case checking
        /// ICE chose a path; the DTLS handshake runs on it.
        case handshaking
        /// SRTP keys are set: media flows.
        case connected
        /// Terminal.
        case closed(CloseReason)
    }

    /// Why a connection ended. The descriptions are the log lines operators grep for.
    public enum CloseReason: Hashable, Sendable, CustomStringConvertible {
        /// RFC 7675: nothing authenticated arrived (lite) or no check was answered (controlling)
        /// for the consent timeout.
        case consentExpired
        /// The controlling agent found no working pair or gave up connecting.
        case iceFailed(ICEControllingAgent.FailureReason)
        case dtlsFailed(DTLSError)
        /// The peer sent close_notify (RFC 5246 §7.2.1).
        case peerClosed
        case srtpSetupFailed(SRTPError)
        /// ICE and DTLS did not complete within `connectTimeoutNanos` of `start`.
        case connectTimedOut(seconds: Double)
        /// The owner closed it (WHEP DELETE, shutdown, a link with nothing to carry…).
        case closedLocally(String)

        public var description: String {
            switch self {
            case .consentExpired: "ICE consent expired"
            case .iceFailed(let reason): "ICE failed: \(reason)"
            case .dtlsFailed(let error): "DTLS failed: \(error)"
            case .peerClosed: "peer closed DTLS"
            case .srtpSetupFailed(let error): "SRTP setup failed: \(error)"
            case .connectTimedOut(let seconds): "not connected within \(seconds) s"
            case .closedLocally(let reason): reason
            }
        }
    }

    /// Something the owner must act on.
    public enum Event: Hashable, Sendable {
        /// Lite: a tuple sent an authenticated check; the owner routes that address's packets
        /// here (for a TCP tuple: binds the connection).
        case pathValidated(TransportAddress)
        /// Media now goes to this tuple.
        case selectedPathChanged(TransportAddress)
        /// The DTLS handshake finished and SRTP is set up.
        case connected(SRTPProfile)
        /// The peer used the credentials of an ICE restart for the first time; checks naming
        /// `previousUfrag` are no longer answered, so the owner may stop routing it here.
        case restartCompleted(previousUfrag: String)
        /// Terminal: stop sending, unroute, free.
        case closed(CloseReason)
    }

    /// One datagram to send, and to which tuple: the ICE agents' own value, so their checks
    /// pass through unchanged.
    public typealias Datagram = ICEControllingAgent.Outgoing

    /// What calls into the connection produced. The owner passes one in, sends `datagrams` in
    /// order and handles `events`, then empties it (`removeAll` keeps the capacity, so a
    /// connection driven on the media path allocates nothing for its output).
    public struct Output: Sendable {
        public var datagrams: [Datagram] = []
        public var events: [Event] = []

        public init() {}

        public var isEmpty: Bool { datagrams.isEmpty && events.isEmpty }

        public mutating func removeAll() {
            datagrams.removeAll(keepingCapacity: true)
            events.removeAll(keepingCapacity: true)
        }
    }

    /// What one received datagram turned out to be, for the owner to hand on. A decrypted RTP
    /// packet points into the caller's buffer and is valid until the buffer is reused.
    public enum Inbound {
        /// STUN or DTLS, handled inside (see the output), or a datagram dropped (counted).
        case consumed
        case rtp(RTPHeader, UnsafeRawBufferPointer)
        case rtcp([RTCPPacket])
    }

    /// Datagrams that were not acted on, by cause: a garbage or forged packet is counted, never
    /// fatal (RFC 6347 §4.1.2.7 for DTLS, RFC 3711 §3.3 for SRTP).
    public struct Statistics: Hashable, Sendable {
        /// Not STUN, DTLS or RTP/RTCP by its first byte (RFC 7983), or too short to be any.
        public var unknownDatagrams = 0
        /// DTLS or SRTP from a tuple ICE has not validated.
        public var unvalidatedSource = 0
        /// SRTP/SRTCP before keys existed, or that failed authentication or replay checks.
        public var unauthenticated = 0
        /// Authenticated, but not a parseable RTP header or RTCP compound.
        public var malformed = 0

        public var total: Int { unknownDatagrams + unvalidatedSource + unauthenticated + malformed }
    }
}
