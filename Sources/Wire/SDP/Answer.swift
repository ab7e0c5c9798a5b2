/// How the SFU answers an offer (WHIP: `.recvonly`, WHEP: `.sendonly`).
public struct AnswerOptions: Sendable {
    public var iceUfrag: String
    public var icePwd: String
    /// Our DTLS certificate's SHA-256 digest, `AB:CD:…` (32 bytes).
    public var fingerprintSHA256: String
    /// Our complete candidate list (a lite server does not trickle).
    public var candidates: [ICECandidate]
    public var direction: MediaDirection
    /// Tracks we send, keyed by mid, or by kind (`"audio"`, `"video"`) to match any m-section of
    /// that kind. A sending m-section without a track is answered `inactive`.
    public var outgoingTracks: [String: OutgoingTrack]
    /// `o=` session id.
    public var sessionID: UInt64
    /// Pick the first codec in the offer's m= order that we support, instead of our own order.
    public var preferOffererCodecOrder: Bool

    public init(
        iceUfrag: String, icePwd: String, fingerprintSHA256: String, candidates: [ICECandidate],
        direction: MediaDirection, outgoingTracks: [String: OutgoingTrack] = [:], sessionID: UInt64 = 1,
        preferOffererCodecOrder: Bool = false
    ) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprintSHA256 = fingerprintSHA256
        self.candidates = candidates
        self.direction = direction
        self.outgoingTracks = outgoingTracks
        self.sessionID = sessionID
        self.preferOffererCodecOrder = preferOffererCodecOrder
    }
}

/// Answers an offer as an ICE-lite, DTLS-passive SFU (RFC 3264, RFC 8829 §5.3, RFC 8843):
/// - `a=ice-lite` at session level; `a=setup:passive` (offer actpass/active; passive → error);
/// - BUNDLE required; the answer's group lists the accepted mids; `bundle-only` sections with
///   port 0 are accepted;
/// - rtcp-mux required and echoed (rtcp-mux-only is accepted but, per RFC 8858 §4.3, not
///   repeated), rtcp-rsize echoed when offered;
/// - one codec per m-section with the offer's payload type and fmtp, its rtx (apt) if offered,
///   feedback = offered ∩ implemented; extmaps we support with the offered ids;
/// - our candidates and end-of-candidates in every accepted m-section;
/// - rejected m-sections: port 0, `c=` kept, mid kept;
/// - sending m-sections carry msid, ssrc cname/msid lines and ssrc-group:FID.
public func makeAnswer(
    to offer: SessionDescription, capabilities: MediaCapabilities, options: AnswerOptions
) throws(NegotiationError) -> NegotiatedSession {
    let local = try LocalTransport(
        iceUfrag: options.iceUfrag, icePwd: options.icePwd, fingerprintSHA256: options.fingerprintSHA256,
        candidates: options.candidates)
    guard options.direction != .inactive else { throw .invalidOptions("answer direction cannot be inactive") }

    // RFC 8843 §7.2: the offerer's BUNDLE tag is the first mid of the group.
    guard let bundle = offer.bundleGroup else { throw .bundleRequired }
    let bundledIndices = bundle.mids.compactMap { mid in
        offer.media.firstIndex { $0.mid == mid && !$0.isRejected }
    }
    guard let tagIndex = bundledIndices.first else { throw .bundleRequired }

    let remote = try offer.remoteTransport(tagIndex: tagIndex, bundledIndices: bundledIndices)
    // Two lite agents never run checks (RFC 8445 §6.1.1 needs one full agent).
    guard !remote.iceLite else { throw .unsupported("the offerer is ICE-lite too; one side must be a full agent") }
    switch remote.setup {
    case .passive:
        throw .unsupported("offer has a=setup:passive; this server is DTLS passive, offer actpass or active")
    case .holdconn:
        throw .unsupported("offer has a=setup:holdconn")
    case .actpass, .active, nil:
        break  // RFC 5763 §5: we answer passive and wait for the ClientHello.
    }

    var sections: [MediaDescription] = []
    var negotiated: [NegotiatedMedia] = []
    var acceptedMids = Set<String>()
    var needsTwoByteExtensions = false
    let (defaultPort, defaultConnection) = local.defaultAddress

    for (index, offered) in offer.media.enumerated() {
        let mid = offered.mid
        guard let kind = offered.mediaKind, let mid, bundledIndices.contains(index),
              offered.proto.uppercased().contains("RTP/SAVP")
        else {
            sections.append(rejectedSection(offered))
            if let kind = offered.mediaKind {
                negotiated.append(rejectedMedia(offered, index: index, kind: kind))
            }
            continue
        }
        // INTEROP-NOTES §1: without rtcp-mux Chrome fails ("RTCP-MUX is not enabled when it is required").
        guard offered.rtcpMux || offered.rtcpMuxOnly else {
            throw .unsupported("m-section \(mid) does not offer a=rtcp-mux")
        }
        guard let choice = offered.chooseCodec(
            from: capabilities.codecs(for: kind), offererOrder: options.preferOffererCodecOrder)
        else {
            throw .noCommonCodec(kind)
        }

        // RFC 3264 §6.1: mirror the offered direction.
        let offeredDirection = offer.direction(for: offered)
        let track = options.outgoingTracks[mid] ?? options.outgoingTracks[kind.rawValue]
        let sends = options.direction.sends && offeredDirection.receives && track != nil
        let receives = options.direction.receives && offeredDirection.sends
        let direction: MediaDirection =
            switch (sends, receives) {
            case (true, true): .sendrecv
            case (true, false): .sendonly
            case (false, true): .recvonly
            case (false, false): .inactive
            }

        let extensions = answerExtensions(
            offer.extensionMaps(for: offered), supported: capabilities.headerExtensions, direction: direction)
        if extensions.contains(where: { $0.id > 14 }) { needsTwoByteExtensions = true }

        var attributes = local.attributes(setup: .passive)
        attributes.append(SDPAttribute("mid", mid))
        attributes += extensions.map(\.attribute)
        attributes.append(direction.attribute)
        if sends, let track {
            attributes.append(MSID(streamID: track.streamID, trackID: track.trackID).attribute)
        }
        // RFC 8858 §4.3: an offered rtcp-mux-only is accepted with a=rtcp-mux; the answerer MUST NOT
        // repeat rtcp-mux-only.
        attributes.append(SDPAttribute("rtcp-mux"))
        if offered.rtcpReducedSize { attributes.append(SDPAttribute("rtcp-rsize")) }
        attributes += MediaDescription.codecAttributes(choice)
        if sends, let track {
            attributes += MediaDescription.ssrcAttributes(track, withRTX: choice.rtx != nil)
        }

        var formats = [String(choice.rtpMap.payloadType)]
        if let rtx = choice.rtx { formats.append(String(rtx.rtpMap.payloadType)) }
        sections.append(MediaDescription(
            kind: offered.kind, port: defaultPort, proto: offered.proto, formats: formats,
            connection: defaultConnection, attributes: attributes))
        acceptedMids.insert(mid)

        negotiated.append(NegotiatedMedia(
            index: index, mid: mid, kind: kind, codec: choice.negotiated, rtxPayloadType: choice.rtx?.rtpMap.payloadType,
            extensions: Dictionary(extensions.map { ($0.uri, UInt8($0.id)) }, uniquingKeysWith: { first, _ in first }),
            remoteSSRCs: offered.ssrcPairs, remoteCNAME: offered.cname, remoteMSID: offered.msids.first,
            remoteRIDs: offered.rids, direction: direction, rejected: false))
    }

    guard !acceptedMids.isEmpty else { throw .unsupported("the offer has no audio or video m-section to accept") }

    // RFC 8843 §7.3: the answer's group keeps the offer's order; its first mid is our BUNDLE tag.
    let bundleMids = bundle.mids.filter { acceptedMids.contains($0) }
    var sessionAttributes = [
        SDPAttribute("ice-lite"),
        MediaGroup(semantics: "BUNDLE", mids: bundleMids).attribute,
    ]
    // RFC 8285 §6: ids above 14 need two-byte headers, which need extmap-allow-mixed.
    if needsTwoByteExtensions, offer.attributes.has("extmap-allow-mixed") {
        sessionAttributes.append(SDPAttribute("extmap-allow-mixed"))
    }
    sessionAttributes.append(SDPAttribute("msid-semantic", " WMS *"))

    let answer = SessionDescription(
        origin: Origin(sessionID: String(options.sessionID), sessionVersion: "2"),
        attributes: sessionAttributes, media: sections)
    return NegotiatedSession(answer: answer, media: negotiated, bundleMids: bundleMids, remote: remote, dtlsRole: .server)
}

/// The offered extmaps whose URI we support, with the offered ids (Firefox fails on renumbering,
/// pion issue 1255). A directional extmap is kept only if it fits our media direction, and is
/// answered with the reverse direction (RFC 8285 §7).
func answerExtensions(_ offered: [ExtensionMap], supported: [String], direction: MediaDirection) -> [ExtensionMap] {
    var result: [ExtensionMap] = []
    for map in offered where supported.contains(map.uri) && map.id <= 255 {
        guard !result.contains(where: { $0.uri == map.uri || $0.id == map.id }) else { continue }
        var answer = ExtensionMap(id: map.id, uri: map.uri)
        if let offeredDirection = map.direction {
            let reversed = offeredDirection.reversed
            let usable = (reversed.sends && direction.sends) || (reversed.receives && direction.receives)
            guard usable else { continue }
            answer.direction = reversed
        }
        result.append(answer)
    }
    return result
}

/// A rejected m-section: port 0, the first offered format, `c=` kept (Firefox fails to parse
/// without it; pion sdp.go), mid kept (RFC 8829 §5.3.1).
func rejectedSection(_ offered: MediaDescription) -> MediaDescription {
    var attributes: [SDPAttribute] = []
    if let mid = offered.mid { attributes.append(SDPAttribute("mid", mid)) }
    return MediaDescription(
        kind: offered.kind, port: 0, proto: offered.proto, formats: Array(offered.formats.prefix(1)),
        connection: .unspecified, attributes: attributes)
}

func rejectedMedia(_ offered: MediaDescription, index: Int, kind: MediaKind) -> NegotiatedMedia {
    NegotiatedMedia(
        index: index, mid: offered.mid ?? "", kind: kind, codec: nil, rtxPayloadType: nil, extensions: [:],
        remoteSSRCs: [], remoteCNAME: nil, remoteMSID: nil, remoteRIDs: [], direction: .inactive, rejected: true)
}
