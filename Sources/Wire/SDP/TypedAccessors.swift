// Typed views over the attribute lists. They read the stored attributes on demand; values that
// fail to parse (possible only if attributes were edited after parsing) are skipped.

extension SessionDescription {
    /// Session-level `a=ice-lite` (RFC 8839 §5.3). aiortc, webrtcbin and pion look only here.
    public var iceLite: Bool { attributes.has("ice-lite") }

    /// `a=group:` lines.
    public var groups: [MediaGroup] { attributes.values("group").compactMap(MediaGroup.init(attributeValue:)) }

    /// The first `a=group:BUNDLE` (RFC 8843 §7.1), nil when the description does not bundle.
    public var bundleGroup: MediaGroup? { groups.first { $0.isBundle } }

    /// Session-level `a=fingerprint` lines (Firefox puts its fingerprint here).
    public var fingerprints: [Fingerprint] { attributes.values("fingerprint").compactMap(Fingerprint.init(attributeValue:)) }

    /// The m-section with `a=mid:<mid>`.
    public func media(mid: String) -> MediaDescription? {
        media.first { $0.mid == mid }
    }

    /// ICE ufrag for an m-section: its own line, else the session-level one (RFC 8839 §5.4).
    public func iceUfrag(for section: MediaDescription) -> String? {
        section.iceUfrag ?? attributes.firstValue("ice-ufrag")
    }

    public func icePwd(for section: MediaDescription) -> String? {
        section.icePwd ?? attributes.firstValue("ice-pwd")
    }

    public func iceOptions(for section: MediaDescription) -> [String] {
        let media = section.iceOptions
        return media.isEmpty ? fields(attributes.firstValue("ice-options") ?? "").map(String.init) : media
    }

    /// Fingerprints for an m-section: its own lines, else the session-level ones (RFC 8122 §5).
    public func fingerprints(for section: MediaDescription) -> [Fingerprint] {
        let media = section.fingerprints
        return media.isEmpty ? fingerprints : media
    }

    public func setup(for section: MediaDescription) -> SetupRole? {
        section.setup ?? attributes.firstValue("setup").flatMap(SetupRole.init(rawValue:))
    }

    /// Direction for an m-section; session level applies when the section has none, and
    /// sendrecv is the default (RFC 8866 §6.7).
    public func direction(for section: MediaDescription) -> MediaDirection {
        section.direction ?? attributes.lazy.compactMap { MediaDirection(rawValue: $0.name) }.first ?? .sendrecv
    }

    /// Extension maps for an m-section: its own plus session-level ones (RFC 8285 §5).
    public func extensionMaps(for section: MediaDescription) -> [ExtensionMap] {
        section.extensionMaps + attributes.values("extmap").compactMap(ExtensionMap.init(attributeValue:))
    }
}

extension MediaDescription {
    public var mid: String? { attributes.firstValue("mid") }
    public var iceUfrag: String? { attributes.firstValue("ice-ufrag") }
    public var icePwd: String? { attributes.firstValue("ice-pwd") }
    public var iceOptions: [String] { fields(attributes.firstValue("ice-options") ?? "").map(String.init) }
    public var fingerprints: [Fingerprint] { attributes.values("fingerprint").compactMap(Fingerprint.init(attributeValue:)) }
    public var setup: SetupRole? { attributes.firstValue("setup").flatMap(SetupRole.init(rawValue:)) }

    /// The direction attribute of this section, nil when it has none.
    public var direction: MediaDirection? {
        attributes.lazy.compactMap { MediaDirection(rawValue: $0.name) }.first
    }

    public var rtcpMux: Bool { attributes.has("rtcp-mux") }
    public var rtcpMuxOnly: Bool { attributes.has("rtcp-mux-only") }
    /// `a=rtcp-rsize` (RFC 5506 §5).
    public var rtcpReducedSize: Bool { attributes.has("rtcp-rsize") }
    /// `a=bundle-only` (RFC 8843 §6).
    public var bundleOnly: Bool { attributes.has("bundle-only") }
    public var endOfCandidates: Bool { attributes.has("end-of-candidates") }

    /// Port 0 without bundle-only: the section is rejected / disabled (RFC 3264 §6; RFC 8843 §6).
    public var isRejected: Bool { port == 0 && !bundleOnly }

    public var rtpMaps: [RTPMap] { attributes.values("rtpmap").compactMap(RTPMap.init(attributeValue:)) }
    public func rtpMap(for payloadType: UInt8) -> RTPMap? { rtpMaps.first { $0.payloadType == payloadType } }

    public var formatParameters: [FormatParameters] {
        attributes.values("fmtp").compactMap(FormatParameters.init(attributeValue:))
    }
    public func formatParameters(for payloadType: UInt8) -> FormatParameters? {
        formatParameters.first { $0.payloadType == payloadType }
    }

    public var rtcpFeedback: [RTCPFeedback] {
        attributes.values("rtcp-fb").compactMap(RTCPFeedback.init(attributeValue:))
    }
    /// Feedback for a payload type, including `*` lines (RFC 4585 §4.2), without duplicates.
    public func rtcpFeedback(for payloadType: UInt8) -> [String] {
        var seen = Set<String>()
        return rtcpFeedback.compactMap { feedback in
            guard feedback.payloadType == nil || feedback.payloadType == payloadType else { return nil }
            return seen.insert(feedback.value).inserted ? feedback.value : nil
        }
    }

    public var extensionMaps: [ExtensionMap] { attributes.values("extmap").compactMap(ExtensionMap.init(attributeValue:)) }
    public var msids: [MSID] { attributes.values("msid").compactMap(MSID.init(attributeValue:)) }
    public var ssrcAttributes: [SSRCAttribute] { attributes.values("ssrc").compactMap(SSRCAttribute.init(attributeValue:)) }
    public var ssrcGroups: [SSRCGroup] { attributes.values("ssrc-group").compactMap(SSRCGroup.init(attributeValue:)) }
    public var rids: [RIDDescription] { attributes.values("rid").compactMap(RIDDescription.init(attributeValue:)) }
    public var simulcast: Simulcast? { attributes.firstValue("simulcast").flatMap(Simulcast.init(attributeValue:)) }
    public var candidates: [ICECandidate] { attributes.values("candidate").compactMap(ICECandidate.init(attributeValue:)) }

    /// The payload type whose rtx format has `apt=<payloadType>` (RFC 4588 §8.6).
    public func rtxPayloadType(for payloadType: UInt8) -> UInt8? {
        let rtx = Set(rtpMaps.filter { $0.encodingName.lowercased() == "rtx" }.map(\.payloadType))
        return formatParameters.first {
            rtx.contains($0.payloadType) && $0.value(for: "apt") == String(payloadType)
        }?.payloadType
    }

    /// The sender's SSRCs: each primary with its RTX SSRC from `a=ssrc-group:FID` (RFC 4588 §8.1,
    /// RFC 5576 §4.2), then the other SSRCs of `a=ssrc` lines, in order of appearance.
    public var ssrcPairs: [SSRCPair] {
        var pairs: [SSRCPair] = []
        var seen = Set<UInt32>()
        for group in ssrcGroups where group.semantics.uppercased() == "FID" && group.ssrcs.count >= 2 {
            guard !seen.contains(group.ssrcs[0]) else { continue }
            pairs.append(SSRCPair(primary: group.ssrcs[0], rtx: group.ssrcs[1]))
            seen.insert(group.ssrcs[0])
            seen.insert(group.ssrcs[1])
        }
        // Primaries named by a SIM group without an FID group come next, then loose a=ssrc lines.
        let simulcastPrimaries = ssrcGroups.filter { $0.semantics.uppercased() == "SIM" }.flatMap(\.ssrcs)
        for ssrc in simulcastPrimaries + ssrcAttributes.map(\.ssrc) where !seen.contains(ssrc) {
            pairs.append(SSRCPair(primary: ssrc, rtx: nil))
            seen.insert(ssrc)
        }
        return pairs
    }

    /// The first `a=ssrc:<n> cname:<cname>` value (RFC 5576 §6.1).
    public var cname: String? {
        ssrcAttributes.first { $0.attribute == "cname" }?.value
    }
}

/// A media SSRC and its retransmission SSRC (RFC 4588).
public struct SSRCPair: Equatable, Hashable, Sendable {
    public var primary: UInt32
    public var rtx: UInt32?

    public init(primary: UInt32, rtx: UInt32? = nil) {
        self.primary = primary
        self.rtx = rtx
    }
}
