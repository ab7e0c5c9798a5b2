/// What our own client stack (benchmark client, server-to-server links) offers.
public struct OfferOptions: Sendable {
    public var iceUfrag: String
    public var icePwd: String
    public var fingerprintSHA256: String
    public var candidates: [ICECandidate]
    /// `.sendonly` to publish, `.recvonly` to subscribe.
    public var direction: MediaDirection
    /// One m-section per entry, mids "0", "1", ...
    public var kinds: [MediaKind]
    public var capabilities: MediaCapabilities
    /// What we send per kind (used when `direction` sends).
    public var outgoingTracks: [MediaKind: OutgoingTrack]
    public var sessionID: UInt64

    public init(
        iceUfrag: String, icePwd: String, fingerprintSHA256: String, candidates: [ICECandidate] = [],
        direction: MediaDirection, kinds: [MediaKind] = [.audio, .video], capabilities: MediaCapabilities = .sfuDefault,
        outgoingTracks: [MediaKind: OutgoingTrack] = [:], sessionID: UInt64 = 1
    ) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprintSHA256 = fingerprintSHA256
        self.candidates = candidates
        self.direction = direction
        self.kinds = kinds
        self.capabilities = capabilities
        self.outgoingTracks = outgoingTracks
        self.sessionID = sessionID
    }
}

/// An offer with BUNDLE, rtcp-mux, rtcp-rsize, `a=setup:actpass`, our codecs with payload types
/// unique across the bundle (so PT demux works; INTEROP-NOTES §1), our extensions with one id per
/// URI in every m-section, and our SSRCs when sending. Invalid credentials are written as given;
/// `acceptAnswer` is where problems surface.
public func makeOffer(options: OfferOptions) -> SessionDescription {
    let transport = LocalTransport.unchecked(options)
    var nextPayloadType: UInt8 = 96
    func allocatePayloadType() -> UInt8 {
        let pt = nextPayloadType
        // 96-127 first, then Chrome's extra dynamic range 35-63 (RFC 7983 keeps 64-95 for RTCP demux).
        nextPayloadType = pt == 127 ? 35 : (pt == 63 ? 96 : pt + 1)
        return pt
    }

    var sections: [MediaDescription] = []
    var mids: [String] = []
    let (port, connection) = transport.defaultAddress
    for (index, kind) in options.kinds.enumerated() {
        let mid = String(index)
        mids.append(mid)
        var attributes = transport.attributes(setup: .actpass)
        attributes.append(SDPAttribute("mid", mid))
        for (position, uri) in options.capabilities.headerExtensions.enumerated()
        where headerExtension(uri, appliesTo: kind) {
            attributes.append(ExtensionMap(id: UInt16(position + 1), uri: uri).attribute)
        }
        let track = options.direction.sends ? options.outgoingTracks[kind] : nil
        attributes.append((options.direction.sends && track == nil ? .inactive : options.direction).attribute)
        if let track { attributes.append(MSID(streamID: track.streamID, trackID: track.trackID).attribute) }
        attributes.append(SDPAttribute("rtcp-mux"))
        attributes.append(SDPAttribute("rtcp-rsize"))

        var formats: [String] = []
        var anyRTX = false
        for codec in options.capabilities.codecs(for: kind) {
            let pt = allocatePayloadType()
            formats.append(String(pt))
            attributes.append(RTPMap(
                payloadType: pt, encodingName: codec.name, clockRate: codec.clockRate, channels: codec.channels
            ).attribute)
            attributes += codec.feedback.map { RTCPFeedback(payloadType: pt, value: $0).attribute }
            if let fmtp = codec.offerFmtp { attributes.append(FormatParameters(payloadType: pt, parameters: fmtp).attribute) }
            if codec.rtx {
                let rtx = allocatePayloadType()
                formats.append(String(rtx))
                anyRTX = true
                attributes.append(RTPMap(payloadType: rtx, encodingName: "rtx", clockRate: codec.clockRate).attribute)
                attributes.append(FormatParameters(payloadType: rtx, parameters: "apt=\(pt)").attribute)
            }
        }
        if let track { attributes += MediaDescription.ssrcAttributes(track, withRTX: anyRTX) }
        sections.append(MediaDescription(
            kind: kind.rawValue, port: port, formats: formats, connection: connection, attributes: attributes))
    }
    return SessionDescription(
        origin: Origin(sessionID: String(options.sessionID), sessionVersion: "2"),
        attributes: [
            MediaGroup(semantics: "BUNDLE", mids: mids).attribute,
            SDPAttribute("msid-semantic", " WMS *"),
        ],
        media: sections)
}

/// Audio level is an audio-only extension (RFC 6464); the others apply to both kinds.
func headerExtension(_ uri: String, appliesTo kind: MediaKind) -> Bool {
    uri != HeaderExtensionURI.audioLevel || kind == .audio
}

/// Reads the answer to an offer made by `makeOffer` (RFC 3264 §5, §7; RFC 8843 §7.4): the codec
/// and payload type the answerer chose per m-section, its extension ids, SSRCs, and its ICE/DTLS
/// parameters. `dtlsRole` is `.client` when the answer says `passive`.
public func acceptAnswer(
    _ answer: SessionDescription, to offer: SessionDescription
) throws(NegotiationError) -> NegotiatedSession {
    guard answer.media.count == offer.media.count else {
        throw .malformed("the answer has \(answer.media.count) m-sections, the offer had \(offer.media.count)")
    }
    guard let bundle = answer.bundleGroup else { throw .bundleRequired }
    let bundledIndices = bundle.mids.compactMap { mid in answer.media.firstIndex { $0.mid == mid && !$0.isRejected } }
    guard let tagIndex = bundledIndices.first else { throw .bundleRequired }
    let remote = try answer.remoteTransport(tagIndex: tagIndex, bundledIndices: bundledIndices)

    // RFC 5763 §5: the answer picks; a missing setup defaults to active (RFC 4145 §4).
    let role: DTLSRole
    switch remote.setup {
    case .passive: role = .client
    case .active, nil: role = .server
    case .actpass, .holdconn: throw .malformed("an answer must say a=setup:active or passive, not \(remote.setup!.rawValue)")
    }

    var media: [NegotiatedMedia] = []
    for (index, (offered, answered)) in zip(offer.media, answer.media).enumerated() {
        guard let kind = offered.mediaKind else { continue }
        if let offeredMid = offered.mid, let answeredMid = answered.mid, offeredMid != answeredMid {
            throw .malformed("m-section \(index): the answer's mid \(answeredMid) differs from the offer's \(offeredMid)")
        }
        guard answered.kind == offered.kind else {
            throw .malformed("m-section \(index): the answer is \(answered.kind), the offer was \(offered.kind)")
        }
        let mid = offered.mid ?? answered.mid ?? ""
        guard !answered.isRejected, bundle.mids.contains(mid) else {
            media.append(rejectedMedia(offered, index: index, kind: kind))
            continue
        }
        // RFC 3264 §6.1: the answer uses payload types from the offer.
        let offeredTypes = Set(offered.payloadTypes)
        guard let chosen = answered.payloadTypes.first(where: { pt in
            guard offeredTypes.contains(pt), let map = offered.rtpMap(for: pt) else { return false }
            return !["rtx", "red", "ulpfec", "flexfec-03"].contains(map.encodingName.lowercased())
        }), let map = offered.rtpMap(for: chosen) else {
            throw .noCommonCodec(kind)
        }
        let offeredFeedback = offered.rtcpFeedback(for: chosen)
        let feedback = answered.rtcpFeedback(for: chosen).filter { offeredFeedback.contains($0) }
        let fmtp = (answered.formatParameters(for: chosen) ?? offered.formatParameters(for: chosen))?.parameters
        let codec = NegotiatedCodec(
            payloadType: chosen, name: map.encodingName, clockRate: map.clockRate, channels: map.channels,
            fmtp: fmtp, feedback: feedback)
        let rtx = answered.rtxPayloadType(for: chosen).flatMap { answered.payloadTypes.contains($0) ? $0 : nil }

        let ours = offer.direction(for: offered)
        let theirs = answer.direction(for: answered)
        let sends = ours.sends && theirs.receives
        let receives = ours.receives && theirs.sends
        let direction: MediaDirection =
            sends && receives ? .sendrecv : sends ? .sendonly : receives ? .recvonly : .inactive

        var extensions: [String: UInt8] = [:]
        for map in answer.extensionMaps(for: answered) where map.id <= 255 && extensions[map.uri] == nil {
            extensions[map.uri] = UInt8(map.id)
        }
        media.append(NegotiatedMedia(
            index: index, mid: mid, kind: kind, codec: codec, rtxPayloadType: rtx, extensions: extensions,
            remoteSSRCs: answered.ssrcPairs, remoteCNAME: answered.cname, remoteMSID: answered.msids.first,
            remoteRIDs: answered.rids, direction: direction, rejected: false))
    }
    return NegotiatedSession(
        answer: answer, media: media, bundleMids: bundle.mids.filter { mid in media.contains { $0.mid == mid && !$0.rejected } },
        remote: remote, dtlsRole: role)
}

extension LocalTransport {
    /// Offers are not validated (makeOffer does not throw); the fingerprint is written as given.
    static func unchecked(_ options: OfferOptions) -> LocalTransport {
        LocalTransport(
            uncheckedUfrag: options.iceUfrag, pwd: options.icePwd,
            fingerprint: Fingerprint(algorithm: "sha-256", value: options.fingerprintSHA256.uppercased()),
            candidates: options.candidates)
    }
}
