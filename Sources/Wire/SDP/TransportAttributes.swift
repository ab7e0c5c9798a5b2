/// `a=fingerprint:<hash function> <hex bytes separated by colons>` (RFC 8122 §5).
public struct Fingerprint: Equatable, Hashable, Sendable {
    /// As written; compare case-insensitively (`sha-256`, Firefox and Chrome write lower case).
    public var algorithm: String
    /// Upper-case hex pairs joined by colons, as written.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    /// A `sha-256` fingerprint of a DER certificate digest.
    public init(sha256 digest: some Sequence<UInt8>) {
        self.init(algorithm: "sha-256", value: Fingerprint.hex(digest))
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count == 2 else { throw AttributeParseError("fingerprint needs '<hash function> <hex>'") }
        let fingerprint = Fingerprint(algorithm: String(parts[0]), value: String(parts[1]))
        guard fingerprint.bytes != nil else {
            throw AttributeParseError("fingerprint '\(parts[1].prefix(20))...' is not colon-separated hex bytes")
        }
        self = fingerprint
    }

    /// The digest bytes, nil if the value is not colon-separated hex pairs.
    public var bytes: [UInt8]? {
        var result: [UInt8] = []
        for pair in value.split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            result.append(byte)
        }
        return result.isEmpty ? nil : result
    }

    public var attribute: SDPAttribute { SDPAttribute("fingerprint", "\(algorithm) \(value)") }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined(separator: ":")
    }
}

/// `a=setup` (RFC 4145 §4; RFC 5763 §5): who opens the DTLS association. An offer says
/// `actpass`; an answer must pick `active` (DTLS client) or `passive` (DTLS server).
public enum SetupRole: String, Equatable, Hashable, Sendable {
    case actpass
    case active
    case passive
    case holdconn

    public var attribute: SDPAttribute { SDPAttribute("setup", rawValue) }
}

/// `a=group:<semantics> <mid> ...` (RFC 5888 §5), e.g. `a=group:BUNDLE 0 1`.
public struct MediaGroup: Equatable, Hashable, Sendable {
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard let semantics = parts.first else { throw AttributeParseError("group needs '<semantics> <mid> ...'") }
        self.init(semantics: String(semantics), mids: parts.dropFirst().map(String.init))
    }

    public var isBundle: Bool { semantics.uppercased() == "BUNDLE" }

    public var attribute: SDPAttribute {
        SDPAttribute("group", ([semantics] + mids).joined(separator: " "))
    }
}
