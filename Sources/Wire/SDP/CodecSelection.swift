/// The format picked from an m-section for one of our codecs.
struct CodecChoice {
    let capability: CodecCapability
    let rtpMap: RTPMap
    let fmtp: FormatParameters?
    let feedback: [String]
    /// The offered rtx format with apt = the chosen payload type, if we do RTX for this codec.
    let rtx: (rtpMap: RTPMap, fmtp: FormatParameters)?

    var negotiated: NegotiatedCodec {
        NegotiatedCodec(
            payloadType: rtpMap.payloadType, name: rtpMap.encodingName, clockRate: rtpMap.clockRate,
            channels: rtpMap.channels, fmtp: fmtp?.parameters, feedback: feedback)
    }
}

extension MediaDescription {
    /// Picks a format of this m-section we support (RFC 3264 §6.1: we answer with the offered
    /// payload type and fmtp). Our capability order decides unless `offererOrder` is set, in
    /// which case the m= line order does.
    func chooseCodec(from capabilities: [CodecCapability], offererOrder: Bool) -> CodecChoice? {
        // Parse each list once: m-sections from Chrome carry ~25 formats and ~150 attributes.
        let maps = Dictionary(rtpMaps.map { ($0.payloadType, $0) }, uniquingKeysWith: { first, _ in first })
        let parameters = Dictionary(formatParameters.map { ($0.payloadType, $0) }, uniquingKeysWith: { first, _ in first })
        let offered: [(RTPMap, FormatParameters?)] = payloadTypes.compactMap { pt in
            maps[pt].map { ($0, parameters[pt]) }
        }
        var pick: (CodecCapability, RTPMap, FormatParameters?)?
        if offererOrder {
            outer: for (map, fmtp) in offered {
                for capability in capabilities where capability.matches(map, fmtp) {
                    pick = (capability, map, fmtp)
                    break outer
                }
            }
        } else {
            outer: for capability in capabilities {
                for (map, fmtp) in offered where capability.matches(map, fmtp) {
                    pick = (capability, map, fmtp)
                    break outer
                }
            }
        }
        guard let (capability, map, fmtp) = pick else { return nil }

        // Declare only the feedback we implement (webrtc-rs PR 294): the intersection, in offered order.
        let feedback = rtcpFeedback(for: map.payloadType).filter { capability.feedback.contains($0) }
        var rtx: (RTPMap, FormatParameters)?
        if capability.rtx, let rtxPT = rtxPayloadType(for: map.payloadType),
           let rtxMap = maps[rtxPT], let rtxFmtp = parameters[rtxPT],
           payloadTypes.contains(rtxPT)
        {
            rtx = (rtxMap, rtxFmtp)
        }
        return CodecChoice(capability: capability, rtpMap: map, fmtp: fmtp, feedback: feedback, rtx: rtx)
    }

    /// The codec, feedback and rtx lines for an m-section carrying `choice`.
    static func codecAttributes(_ choice: CodecChoice) -> [SDPAttribute] {
        var lines = [choice.rtpMap.attribute]
        let pt = choice.rtpMap.payloadType
        lines += choice.feedback.map { RTCPFeedback(payloadType: pt, value: $0).attribute }
        if let fmtp = choice.fmtp { lines.append(fmtp.attribute) }
        if let rtx = choice.rtx {
            lines.append(rtx.rtpMap.attribute)
            lines.append(rtx.fmtp.attribute)
        }
        return lines
    }

    /// msid, then (at the end of the section) ssrc-group:FID and ssrc lines for a track we send
    /// (RFC 8830; RFC 5576; INTEROP-NOTES §1: cname lines matter to Chrome and webrtcbin).
    static func ssrcAttributes(_ track: OutgoingTrack, withRTX: Bool) -> [SDPAttribute] {
        let msid = MSID(streamID: track.streamID, trackID: track.trackID)
        var lines: [SDPAttribute] = []
        var ssrcs = [track.ssrc]
        if withRTX, let rtx = track.rtxSSRC {
            lines.append(SSRCGroup(semantics: "FID", ssrcs: [track.ssrc, rtx]).attribute)
            ssrcs.append(rtx)
        }
        for ssrc in ssrcs {
            lines.append(SSRCAttribute(ssrc: ssrc, attribute: "cname", value: track.cname).sdpAttribute)
            lines.append(SSRCAttribute(ssrc: ssrc, attribute: "msid", value: msid.text).sdpAttribute)
        }
        return lines
    }
}
