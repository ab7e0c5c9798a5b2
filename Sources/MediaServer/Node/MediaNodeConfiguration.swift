/// How a media node binds, advertises itself and names its resources.
public struct MediaNodeConfiguration: Sendable {
    /// Names this node inside resource ids; `[a-z0-9-]`.
    public var nodeID: String = "local"
    /// Address the HTTP and UDP media sockets bind to.
    public var bindHost: String = "127.0.0.1"
    public var httpPort: Int = 8080
    /// First UDP media port; worker `i` listens on `mediaPort + i`.
    public var mediaPort: Int = 7882
    /// Address put in ICE candidates; defaults to the bind address.
    public var advertisedHost: String?
    /// Event-loop workers, each with its own UDP port and its own rooms.
    public var workers: Int = 1
    /// RFC 7675: a peer whose consent has not been refreshed for this long is closed.
    public var consentTimeoutSeconds: Int = 30
    /// ICE-TCP (RFC 6544): each worker also listens on TCP at its UDP port number and answers
    /// carry a passive TCP host candidate, for clients whose network blocks UDP.
    public var iceTCP: Bool = true
    /// How many WHIP/WHEP sessions the node holds, per identity, per address and in all.
    public var sessionLimits = SessionLimits()

    public init() {}

    public var candidateHost: String { advertisedHost ?? bindHost }
}
