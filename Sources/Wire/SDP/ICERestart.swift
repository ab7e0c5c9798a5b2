/// The ICE part of an SDP text, as a WHIP/WHEP PATCH carries it (RFC 8840
/// `application/trickle-ice-sdpfrag`; RFC 9725 §4.4) or as an offer for an ICE restart
/// (RFC 8445 §9, RFC 8829 §5.2.1) carries it: credentials and candidates, nothing else.
public struct ICEFragment: Equatable, Sendable {
    public var iceUfrag: String?
    public var icePwd: String?
    public var candidates: [ICECandidate]

    public init(iceUfrag: String? = nil, icePwd: String? = nil, candidates: [ICECandidate] = []) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.candidates = candidates
    }

    /// Reads an sdpfrag or a whole session description. The first ufrag and password win (under
    /// BUNDLE every m-section repeats the same ones). Candidates that do not parse are skipped:
    /// RFC 9725 §4.4.1 has the server ignore what it cannot use.
    public static func parse(_ text: String) throws(SDPError) -> ICEFragment {
        var fragment = ICEFragment()
        var number = 0
        // "\r\n" is one Character in Swift: split on both spellings of a line end.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            guard line.hasPrefix("a=") else { continue }
            let attribute = line.dropFirst(2)
            if let value = Self.value(of: "ice-ufrag", in: attribute) {
                guard (4...256).contains(value.count), value.allSatisfy(\.isICEChar) else {
                    throw .malformed(line: number, reason: "a=ice-ufrag must be 4–256 ice-chars (RFC 8839 §5.4)")
                }
                if fragment.iceUfrag == nil { fragment.iceUfrag = String(value) }
            } else if let value = Self.value(of: "ice-pwd", in: attribute) {
                guard (22...256).contains(value.count), value.allSatisfy(\.isICEChar) else {
                    throw .malformed(line: number, reason: "a=ice-pwd must be 22–256 ice-chars (RFC 8839 §5.4)")
                }
                if fragment.icePwd == nil { fragment.icePwd = String(value) }
            } else if Self.value(of: "candidate", in: attribute) != nil,
                      let candidate = ICECandidate(attributeValue: String(attribute.dropFirst("candidate:".count))) {
                fragment.candidates.append(candidate)
            }
        }
        return fragment
    }

    private static func value(of name: String, in attribute: Substring) -> Substring? {
        guard attribute.hasPrefix(name + ":") else { return nil }
        return attribute.dropFirst(name.count + 1)
    }
}

extension SessionDescription {
    /// This description with new ICE credentials everywhere it names them, and the next session
    /// version (RFC 3264 §8: a changed description increments it).
    public func withICECredentials(ufrag: String, pwd: String) -> SessionDescription {
        func replaced(_ attributes: [SDPAttribute]) -> [SDPAttribute] {
            attributes.map { attribute in
                switch attribute.name {
                case "ice-ufrag": SDPAttribute("ice-ufrag", ufrag)
                case "ice-pwd": SDPAttribute("ice-pwd", pwd)
                default: attribute
                }
            }
        }
        var description = self
        description.attributes = replaced(attributes)
        for index in description.media.indices {
            description.media[index].attributes = replaced(media[index].attributes)
        }
        if let version = UInt64(origin.sessionVersion) { description.origin.sessionVersion = String(version &+ 1) }
        return description
    }

    /// The sdpfrag a WHIP/WHEP server answers an ICE restart with (RFC 9725 §4.4.2): the ICE
    /// lines of this (answer) description — ice-lite, credentials, the BUNDLE group, and per
    /// m-section its mid, candidates and end-of-candidates (RFC 8840 §9).
    public func iceFragment() -> String {
        var out = ""
        func line(_ text: String) { out += text + "\r\n" }
        let transportNames: Set<String> = ["ice-lite", "ice-ufrag", "ice-pwd", "ice-options", "group"]
        for attribute in attributes where transportNames.contains(attribute.name) { line("a=\(attribute)") }
        var wroteCredentials = attributes.contains { $0.name == "ice-ufrag" }
        for section in media where section.port != 0 {
            line("m=\(section.kind) 9 \(section.proto) \(section.formats.joined(separator: " "))")
            // Under BUNDLE one set of credentials governs: write it once.
            let names: Set<String> = wroteCredentials ? ["mid", "candidate", "end-of-candidates"]
                : ["mid", "ice-ufrag", "ice-pwd", "candidate", "end-of-candidates"]
            for attribute in section.attributes where names.contains(attribute.name) { line("a=\(attribute)") }
            wroteCredentials = true
        }
        return out
    }
}
