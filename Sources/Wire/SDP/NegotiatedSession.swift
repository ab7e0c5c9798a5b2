/// Why an offer (or an answer to our offer) cannot be negotiated. The HTTP layer maps these to
/// status codes (`noCommonCodec` → 406, `bundleRequired` → 400/422, the rest → 400).
public enum NegotiationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The description parses but breaks a WebRTC rule (e.g. no ice-ufrag).
    case malformed(String)
    /// The offer has no `a=group:BUNDLE`; we serve one transport per session (RFC 9725 max-bundle).
    case bundleRequired
    /// An audio or video m-section offers no codec we support.
    case noCommonCodec(MediaKind)
    /// Valid, but something we do not do (passive offerer, ICE-lite peer, no rtcp-mux, ...).
    case unsupported(String)
    /// Our own options are invalid (e.g. a too-short ice-pwd).
    case invalidOptions(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed session description: \(reason)"
        case .bundleRequired: "the offer must use BUNDLE (a=group:BUNDLE)"
        case .noCommonCodec(let kind): "no supported \(kind.rawValue) codec offered"
        case .unsupported(let reason): "unsupported: \(reason)"
        case .invalidOptions(let reason): "invalid negotiation options: \(reason)"
        }
    }
}

/// A track the SFU sends in an m-section (WHEP, or our client's offer).
public struct OutgoingTrack: Equatable, Sendable {
    public var ssrc: UInt32
    public var rtxSSRC: UInt32?
    public var cname: String
    /// The msid stream id: use one for audio and video so Chrome lip-syncs them
    /// (libwebrtc webrtc_video_engine.cc).
    public var streamID: String
    public var trackID: String

    public init(ssrc: UInt32, rtxSSRC: UInt32? = nil, cname: String, streamID: String, trackID: String) {
        self.ssrc = ssrc
        self.rtxSSRC = rtxSSRC
        self.cname = cname
        self.streamID = streamID
        self.trackID = trackID
    }
}

/// The codec chosen for an m-section, with the offerer's payload type and fmtp.
public struct NegotiatedCodec: Equatable, Sendable {
    public var payloadType: UInt8
    public var name: String
    public var clockRate: UInt32
    public var channels: Int?
    /// The fmtp text as offered (nil when the offer had none).
    public var fmtp: String?
    /// Feedback both sides declared, e.g. `["nack", "nack pli", "transport-cc"]`.
    public var feedback: [String]

    public init(payloadType: UInt8, name: String, clockRate: UInt32, channels: Int?, fmtp: String?, feedback: [String]) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.fmtp = fmtp
        self.feedback = feedback
    }
}

/// The outcome for one audio/video m-section.
public struct NegotiatedMedia: Equatable, Sendable {
    /// Position of the m-section in the description.
    public var index: Int
    /// `a=mid` ("" only for a rejected section that had none).
    public var mid: String
    public var kind: MediaKind
    /// nil when rejected.
    public var codec: NegotiatedCodec?
    public var rtxPayloadType: UInt8?
    /// Negotiated header extensions: URI → id (the offerer's ids).
    public var extensions: [String: UInt8]
    /// The SSRCs the remote side announced for this m-section (primary + FID rtx).
    public var remoteSSRCs: [SSRCPair]
    public var remoteCNAME: String?
    public var remoteMSID: MSID?
    /// The remote side's `a=rid` lines (no rid negotiation yet: informational).
    public var remoteRIDs: [RIDDescription]
    /// Our direction for this m-section (in our answer, or in our offer as narrowed by the answer).
    public var direction: MediaDirection
    public var rejected: Bool

    public init(
        index: Int, mid: String, kind: MediaKind, codec: NegotiatedCodec?, rtxPayloadType: UInt8?,
        extensions: [String: UInt8], remoteSSRCs: [SSRCPair], remoteCNAME: String?, remoteMSID: MSID?,
        remoteRIDs: [RIDDescription], direction: MediaDirection, rejected: Bool
    ) {
        self.index = index
        self.mid = mid
        self.kind = kind
        self.codec = codec
        self.rtxPayloadType = rtxPayloadType
        self.extensions = extensions
        self.remoteSSRCs = remoteSSRCs
        self.remoteCNAME = remoteCNAME
        self.remoteMSID = remoteMSID
        self.remoteRIDs = remoteRIDs
        self.direction = direction
        self.rejected = rejected
    }
}

/// The peer's ICE and DTLS parameters, read from its BUNDLE-tag m-section (RFC 8843 §7).
public struct RemoteTransport: Equatable, Sendable {
    public var iceUfrag: String
    public var icePwd: String
    public var iceLite: Bool
    public var iceOptions: [String]
    /// All fingerprint lines; verify the DTLS certificate against one with a supported hash.
    public var fingerprints: [Fingerprint]
    public var setup: SetupRole?
    /// Candidates of all bundled m-sections, de-duplicated.
    public var candidates: [ICECandidate]
    public var endOfCandidates: Bool

    public init(
        iceUfrag: String, icePwd: String, iceLite: Bool, iceOptions: [String], fingerprints: [Fingerprint],
        setup: SetupRole?, candidates: [ICECandidate], endOfCandidates: Bool
    ) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.iceLite = iceLite
        self.iceOptions = iceOptions
        self.fingerprints = fingerprints
        self.setup = setup
        self.candidates = candidates
        self.endOfCandidates = endOfCandidates
    }
}

/// Our DTLS role after negotiation (RFC 5763 §5).
public enum DTLSRole: Equatable, Sendable {
    /// We wait for the ClientHello (`a=setup:passive` on our side).
    case server
    /// We send the ClientHello (`a=setup:active` on our side).
    case client
}

public struct NegotiatedSession: Equatable, Sendable {
    /// `makeAnswer`: our answer to send. `acceptAnswer`: the remote answer as given.
    public var answer: SessionDescription
    /// One entry per audio/video m-section, in m-line order (other kinds are rejected and omitted).
    public var media: [NegotiatedMedia]
    /// The accepted BUNDLE group, BUNDLE tag first.
    public var bundleMids: [String]
    public var remote: RemoteTransport
    public var dtlsRole: DTLSRole

    public init(
        answer: SessionDescription, media: [NegotiatedMedia], bundleMids: [String], remote: RemoteTransport,
        dtlsRole: DTLSRole
    ) {
        self.answer = answer
        self.media = media
        self.bundleMids = bundleMids
        self.remote = remote
        self.dtlsRole = dtlsRole
    }

    /// The accepted (not rejected) m-sections.
    public var accepted: [NegotiatedMedia] { media.filter { !$0.rejected } }
}
