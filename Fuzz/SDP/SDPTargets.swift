import FuzzSupport

/// `sdp`: an offer as a WHIP/WHEP POST or a signaling `publish` carries it, through the parser and
/// every typed accessor the answerer reads; what parses must serialize to a text that parses to
/// the same description. `ice-fragment`: a trickle-ICE PATCH body (RFC 8840 sdpfrag).
public let sdpTargets = [FuzzTarget("sdp", fuzzSDP), FuzzTarget("ice-fragment", fuzzICEFragment)]

private func fuzzSDP(_ data: UnsafeRawBufferPointer) {
    guard let description = try? SessionDescription.parse(String(decoding: data, as: UTF8.self)) else { return }
    _ = (description.iceLite, description.groups, description.bundleGroup, description.fingerprints)
    for section in description.media {
        _ = (description.iceUfrag(for: section), description.icePwd(for: section), description.iceOptions(for: section))
        _ = (description.fingerprints(for: section), description.setup(for: section), description.direction(for: section))
        _ = description.extensionMaps(for: section)
        _ = (section.mediaKind, section.payloadTypes, section.isRejected, section.rtpMaps, section.formatParameters)
        _ = (section.rtcpFeedback, section.msids, section.ssrcAttributes, section.ssrcGroups, section.rids)
        _ = (section.simulcast, section.candidates, section.ssrcPairs)
        // Each lookup scans the section's attributes: a few formats cover the code, all of a
        // browser offer's thirty would make a run ten times slower.
        for payloadType in section.payloadTypes.prefix(4) {
            _ = (section.rtpMap(for: payloadType), section.formatParameters(for: payloadType))
            _ = (section.rtcpFeedback(for: payloadType), section.rtxPayloadType(for: payloadType))
        }
    }
    let text = description.serialized()
    guard let again = try? SessionDescription.parse(text) else { fatalError("serialized SDP does not parse:\n\(text)") }
    require(again == description, "serialize → parse changed the description:\n\(text)")
}

private func fuzzICEFragment(_ data: UnsafeRawBufferPointer) {
    guard let fragment = try? ICEFragment.parse(String(decoding: data, as: UTF8.self)) else { return }
    for candidate in fragment.candidates {
        let value = candidate.attributeValue
        require(ICECandidate(attributeValue: value) == candidate, "candidate does not survive its own text: \(value)")
    }
}
