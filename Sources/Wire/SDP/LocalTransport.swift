/// Our ICE/DTLS parameters, validated once and written into every m-section we produce.
struct LocalTransport {
    let iceUfrag: String
    let icePwd: String
    let fingerprint: Fingerprint
    let candidates: [ICECandidate]

    /// Checks ufrag 4–256 and pwd 22–256 ice-chars (RFC 8839 §5.4) and a 32-byte sha-256
    /// fingerprint.
    init(iceUfrag: String, icePwd: String, fingerprintSHA256: String, candidates: [ICECandidate]) throws(NegotiationError) {
        guard (4...256).contains(iceUfrag.count), iceUfrag.allSatisfy(\.isICEChar) else {
            throw .invalidOptions("ice-ufrag must be 4-256 of [A-Za-z0-9+/]")
        }
        guard (22...256).contains(icePwd.count), icePwd.allSatisfy(\.isICEChar) else {
            throw .invalidOptions("ice-pwd must be 22-256 of [A-Za-z0-9+/]")
        }
        let fingerprint = Fingerprint(algorithm: "sha-256", value: fingerprintSHA256.uppercased())
        guard fingerprint.bytes?.count == 32 else {
            throw .invalidOptions("fingerprintSHA256 must be 32 colon-separated hex bytes")
        }
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidates = candidates
    }

    init(uncheckedUfrag: String, pwd: String, fingerprint: Fingerprint, candidates: [ICECandidate]) {
        self.iceUfrag = uncheckedUfrag
        self.icePwd = pwd
        self.fingerprint = fingerprint
        self.candidates = candidates
    }

    /// The default candidate for m= and c= (RFC 8839 §4.2.1.3): the first UDP candidate, else
    /// the JSEP placeholder `9` / `0.0.0.0` (RFC 8829 §5.2.1).
    var defaultAddress: (port: UInt16, connection: ConnectionData) {
        guard let candidate = candidates.first(where: \.isUDP) ?? candidates.first else {
            return (9, .unspecified)
        }
        let isIPv6 = candidate.address.contains(":")
        return (candidate.port, ConnectionData(addressType: isIPv6 ? "IP6" : "IP4", address: candidate.address))
    }

    /// candidates, end-of-candidates, ufrag, pwd, fingerprint, setup — the transport lines of one
    /// m-section. The full list is complete, so it ends with end-of-candidates (RFC 8838 §8.2).
    func attributes(setup: SetupRole) -> [SDPAttribute] {
        var lines = candidates.map(\.attribute)
        lines.append(SDPAttribute("end-of-candidates"))
        lines.append(SDPAttribute("ice-ufrag", iceUfrag))
        lines.append(SDPAttribute("ice-pwd", icePwd))
        lines.append(fingerprint.attribute)
        lines.append(setup.attribute)
        return lines
    }
}

extension SessionDescription {
    /// Reads the peer's transport from the BUNDLE-tag m-section (`tagIndex`), and candidates from
    /// every bundled m-section.
    func remoteTransport(tagIndex: Int, bundledIndices: [Int]) throws(NegotiationError) -> RemoteTransport {
        let tag = media[tagIndex]
        let mid = tag.mid ?? "#\(tagIndex)"
        guard let ufrag = iceUfrag(for: tag), let pwd = icePwd(for: tag) else {
            throw .malformed("m-section \(mid) has no a=ice-ufrag/a=ice-pwd")
        }
        // RFC 8839 §5.4: ufrag 4-256, pwd 22-256 ice-chars.
        guard (4...256).contains(ufrag.count), ufrag.allSatisfy(\.isICEChar) else {
            throw .malformed("a=ice-ufrag '\(ufrag.prefix(40))' is not 4-256 ice-chars")
        }
        guard (22...256).contains(pwd.count), pwd.allSatisfy(\.isICEChar) else {
            throw .malformed("a=ice-pwd is not 22-256 ice-chars")
        }
        let fingerprints = fingerprints(for: tag)
        guard !fingerprints.isEmpty else { throw .malformed("m-section \(mid) has no a=fingerprint") }

        var candidates: [ICECandidate] = []
        var endOfCandidates = false
        for index in bundledIndices {
            for candidate in media[index].candidates where !candidates.contains(candidate) {
                candidates.append(candidate)
            }
            endOfCandidates = endOfCandidates || media[index].endOfCandidates
        }
        endOfCandidates = endOfCandidates || attributes.has("end-of-candidates")
        return RemoteTransport(
            iceUfrag: ufrag, icePwd: pwd, iceLite: iceLite, iceOptions: iceOptions(for: tag),
            fingerprints: fingerprints, setup: setup(for: tag), candidates: candidates,
            endOfCandidates: endOfCandidates)
    }
}
