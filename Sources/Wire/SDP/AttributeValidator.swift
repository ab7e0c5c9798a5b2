/// Checks, at parse time, the attributes WebRTC negotiation reads, so a bad one is reported with
/// its line number instead of silently vanishing from a typed accessor. Attributes not listed
/// here are kept without checks.
enum AttributeValidator {
    static func validate(_ attribute: SDPAttribute, _ fail: (String) -> SDPError) throws(SDPError) {
        do throws(AttributeParseError) {
            try check(attribute)
        } catch {
            throw fail("a=\(attribute.name): \(error.reason)")
        }
    }

    private static func check(_ attribute: SDPAttribute) throws(AttributeParseError) {
        func required() throws(AttributeParseError) -> String {
            guard let value = attribute.value, !value.isEmpty else { throw AttributeParseError("missing value") }
            return value
        }
        switch attribute.name {
        case "rtpmap": _ = try RTPMap(parsing: required())
        case "fmtp": _ = try FormatParameters(parsing: required())
        case "rtcp-fb": _ = try RTCPFeedback(parsing: required())
        case "extmap": _ = try ExtensionMap(parsing: required())
        case "candidate": _ = try ICECandidate(parsing: required())
        case "fingerprint": _ = try Fingerprint(parsing: required())
        case "ssrc": _ = try SSRCAttribute(parsing: required())
        case "ssrc-group": _ = try SSRCGroup(parsing: required())
        case "group": _ = try MediaGroup(parsing: required())
        case "msid": _ = try MSID(parsing: required())
        case "rid": _ = try RIDDescription(parsing: required())
        case "simulcast": _ = try Simulcast(parsing: required())
        case "mid":
            let mid = try required()
            // RFC 8843 §5: mid is a token; a space would break a=group lists.
            guard !mid.contains(" ") else { throw AttributeParseError("mid '\(mid)' contains a space") }
        case "setup":
            let value = try required()
            guard SetupRole(rawValue: value) != nil else {
                throw AttributeParseError("'\(value)' is not actpass/active/passive/holdconn")
            }
        case "ice-ufrag", "ice-pwd":
            _ = try required()
        default:
            break
        }
    }
}
