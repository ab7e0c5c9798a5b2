/// One m-section (RFC 8866 §5.14): `m=<media> <port>[/<count>] <proto> <fmt> ...`, then its
/// `i=`, `c=`, `b=`, `k=` and `a=` lines.
public struct MediaDescription: Equatable, Sendable {
    /// `audio`, `video`, `application`, ... as written.
    public var kind: String
    /// 0 rejects the section, unless it carries `a=bundle-only` (RFC 8843 §6).
    public var port: UInt16
    /// The `/<number of ports>` suffix, rare outside RTP multicast.
    public var portCount: Int?
    /// e.g. `UDP/TLS/RTP/SAVPF`.
    public var proto: String
    /// Payload types for RTP, or e.g. `webrtc-datachannel`.
    public var formats: [String]
    public var connection: ConnectionData?
    /// `i=`, `b=`, `k=` lines, kept as text.
    public var otherLines: [SDPLine]
    /// `a=` lines in order.
    public var attributes: [SDPAttribute]

    public init(
        kind: String,
        port: UInt16 = 9,
        portCount: Int? = nil,
        proto: String = "UDP/TLS/RTP/SAVPF",
        formats: [String],
        connection: ConnectionData? = .unspecified,
        otherLines: [SDPLine] = [],
        attributes: [SDPAttribute] = []
    ) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.otherLines = otherLines
        self.attributes = attributes
    }

    /// `audio` or `video`, when the section is one of those.
    public var mediaKind: MediaKind? { MediaKind(rawValue: kind) }

    /// The RTP payload types of the m= line (formats that are numbers 0–127).
    public var payloadTypes: [UInt8] {
        formats.compactMap { UInt8($0) }.filter { $0 < 128 }
    }
}

/// The two RTP media kinds WebRTC negotiates.
public enum MediaKind: String, Equatable, Hashable, Sendable, CaseIterable {
    case audio
    case video
}
