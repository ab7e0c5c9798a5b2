/// An ICE candidate (RFC 8839 §5.1):
/// `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
///  [raddr <address>] [rport <port>] *(<extension name> <extension value>)`.
/// `tcptype` (RFC 6544 §4.5) is an extension but gets its own field; the others (`generation`,
/// `network-id`, `ufrag`, ...) are kept in order.
public struct ICECandidate: Equatable, Hashable, Sendable {
    public enum CandidateType: Equatable, Hashable, Sendable {
        case host
        case serverReflexive
        case peerReflexive
        case relay
        case other(String)

        public init(_ text: String) {
            switch text.lowercased() {
            case "host": self = .host
            case "srflx": self = .serverReflexive
            case "prflx": self = .peerReflexive
            case "relay": self = .relay
            default: self = .other(text)
            }
        }

        public var text: String {
            switch self {
            case .host: "host"
            case .serverReflexive: "srflx"
            case .peerReflexive: "prflx"
            case .relay: "relay"
            case .other(let text): text
            }
        }

        /// RFC 8445 §5.1.2.2 recommended type preferences.
        public var recommendedTypePreference: UInt32 {
            switch self {
            case .host: 126
            case .peerReflexive: 110
            case .serverReflexive: 100
            case .relay, .other: 0
            }
        }
    }

    public enum TCPType: String, Equatable, Hashable, Sendable {
        case active, passive, so
    }

    public var foundation: String
    /// 1 = RTP; with rtcp-mux only 1 is used.
    public var component: UInt16
    /// As written (`udp`, Firefox writes `UDP`); see `isUDP` / `isTCP`.
    public var transport: String
    public var priority: UInt32
    /// An IPv4/IPv6 literal or a hostname (mDNS `….local`).
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var tcpType: TCPType?
    /// Other `<name> <value>` pairs in order, e.g. `generation 0`, `network-cost 10`.
    public var extensions: [Extension]

    public struct Extension: Equatable, Hashable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        foundation: String, component: UInt16 = 1, transport: String = "udp", priority: UInt32,
        address: String, port: UInt16, type: CandidateType = .host, relatedAddress: String? = nil,
        relatedPort: UInt16? = nil, tcpType: TCPType? = nil, extensions: [Extension] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.tcpType = tcpType
        self.extensions = extensions
    }

    /// A host candidate for the server's socket, priority per RFC 8445 §5.1.2.1 with the type
    /// preferences Chrome uses (host UDP 126, host TCP 90; libwebrtc p2p_constants.h).
    public static func host(
        foundation: String, address: String, port: UInt16, tcp: Bool = false, localPreference: UInt16 = 65535
    ) -> ICECandidate {
        ICECandidate(
            foundation: foundation, transport: tcp ? "tcp" : "udp",
            priority: priority(typePreference: tcp ? 90 : 126, localPreference: localPreference, component: 1),
            address: address, port: port, type: .host, tcpType: tcp ? .passive : nil)
    }

    /// priority = 2^24·type preference + 2^8·local preference + (256 − component) (RFC 8445 §5.1.2.1).
    public static func priority(typePreference: UInt32, localPreference: UInt16, component: UInt16) -> UInt32 {
        (min(typePreference, 126) << 24) | (UInt32(localPreference) << 8) | (256 - UInt32(min(max(component, 1), 256)))
    }

    public var isUDP: Bool { transport.lowercased() == "udp" }
    public var isTCP: Bool { transport.lowercased() == "tcp" }

    /// Parses the value of an `a=candidate:` line (without `candidate:`).
    public init?(attributeValue: String) {
        guard let value = try? Self(parsing: attributeValue) else { return nil }
        self = value
    }

    /// Parses `candidate:…`, `a=candidate:…` or a bare value, as found in trickle sdpfrags and in
    /// `RTCIceCandidate.candidate` strings.
    public init?(sdpString: String) {
        var text = Substring(sdpString).trimmingSpaces
        if text.hasPrefix("a=") { text = text.dropFirst(2) }
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        self.init(attributeValue: String(text))
    }

    init(parsing value: String) throws(AttributeParseError) {
        let parts = fields(value)
        guard parts.count >= 8 else {
            throw AttributeParseError("candidate needs '<foundation> <component> <transport> <priority> <address> <port> typ <type>'")
        }
        guard (1...32).contains(parts[0].count), parts[0].allSatisfy(\.isICEChar) else {
            throw AttributeParseError("candidate foundation '\(parts[0])' is not 1-32 ice-chars")
        }
        guard let component = parts[1].decimal(UInt16.self), (1...256).contains(component) else {
            throw AttributeParseError("candidate component '\(parts[1])' is not 1-256")
        }
        guard !parts[2].isEmpty else { throw AttributeParseError("candidate transport is empty") }
        guard let priority = parts[3].decimal(UInt32.self) else {
            throw AttributeParseError("candidate priority '\(parts[3])' is not a 32-bit number")
        }
        guard let port = parts[5].decimal(UInt16.self) else {
            throw AttributeParseError("candidate port '\(parts[5])' is not 0-65535")
        }
        guard parts[6] == "typ" else { throw AttributeParseError("candidate: expected 'typ', got '\(parts[6])'") }

        self.init(
            foundation: String(parts[0]), component: component, transport: String(parts[2]), priority: priority,
            address: String(parts[4]), port: port, type: CandidateType(String(parts[7])))

        // The rest are name/value pairs; raddr, rport and tcptype are the ones with meaning here.
        var index = 8
        while index < parts.count {
            let name = parts[index]
            guard index + 1 < parts.count else {
                throw AttributeParseError("candidate extension '\(name)' has no value")
            }
            let item = parts[index + 1]
            switch name {
            case "raddr":
                relatedAddress = String(item)
            case "rport":
                guard let port = item.decimal(UInt16.self) else {
                    throw AttributeParseError("candidate rport '\(item)' is not 0-65535")
                }
                relatedPort = port
            case "tcptype":
                guard let tcpType = TCPType(rawValue: String(item)) else {
                    throw AttributeParseError("candidate tcptype '\(item)' is not active/passive/so")
                }
                self.tcpType = tcpType
            default:
                extensions.append(Extension(name: String(name), value: String(item)))
            }
            index += 2
        }
    }

    /// The value after `a=candidate:`.
    public var attributeValue: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type.text)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        if let tcpType { text += " tcptype \(tcpType.rawValue)" }
        for item in extensions { text += " \(item.name) \(item.value)" }
        return text
    }

    public var attribute: SDPAttribute { SDPAttribute("candidate", attributeValue) }
}
