/// An SDP session description (RFC 8866 §5): the session part, then one `MediaDescription` per
/// `m=` line. Attributes keep their order and unknown lines are kept, so
/// `SessionDescription.parse(text).serialized()` reproduces a well-formed input byte for byte
/// (with CRLF line ends; LF-only input is accepted and comes back as CRLF).
public struct SessionDescription: Equatable, Sendable {
    /// `v=` (always 0 in RFC 8866 §5.1).
    public var version: Int
    public var origin: Origin
    /// `s=`; WebRTC stacks send `-`.
    public var sessionName: String
    /// Session-level `c=` (RFC 8866 §5.7); WebRTC puts it on each m-section instead.
    public var connection: ConnectionData?
    /// `t=` lines with their `r=` lines (RFC 8866 §5.9, §5.10); WebRTC sends one `t=0 0`.
    public var timing: [Timing]
    /// `i=`, `u=`, `e=`, `p=`, `b=`, `z=`, `k=` lines, kept as text.
    public var otherLines: [SDPLine]
    /// Session-level `a=` lines in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(
        version: Int = 0,
        origin: Origin,
        sessionName: String = "-",
        connection: ConnectionData? = nil,
        timing: [Timing] = [Timing()],
        otherLines: [SDPLine] = [],
        attributes: [SDPAttribute] = [],
        media: [MediaDescription] = []
    ) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.timing = timing
        self.otherLines = otherLines
        self.attributes = attributes
        self.media = media
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
/// Numbers are kept as their digits so that leading zeros survive a round trip.
public struct Origin: Equatable, Sendable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(
        username: String = "-",
        sessionID: String,
        sessionVersion: String = "2",
        networkType: String = "IN",
        addressType: String = "IP4",
        address: String = "0.0.0.0"
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). The address may carry a
/// `/ttl` or `/count` suffix for multicast; it is kept as text.
public struct ConnectionData: Equatable, Sendable {
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String = "0.0.0.0") {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `c=IN IP4 0.0.0.0`, what JSEP puts in m-sections without a default candidate
    /// (RFC 8829 §5.2.1).
    public static let unspecified = ConnectionData()
}

/// `t=<start-time> <stop-time>` plus its `r=` lines, kept as text (RFC 8866 §5.9, §5.10).
public struct Timing: Equatable, Sendable {
    public var start: String
    public var stop: String
    public var repeats: [String]

    public init(start: String = "0", stop: String = "0", repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}
