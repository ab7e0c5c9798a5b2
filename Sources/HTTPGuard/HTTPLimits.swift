/// How much of a client's time and bytes an HTTP server accepts before it answers or hangs up.
///
/// Every listener of Cascade (the all-in-one server, control, media nodes) is reachable by
/// anyone on the network, so none may hold a socket open for a client that sends its request
/// slowly, never finishes it, or sends one too large to parse. These are the bounds; the
/// defaults follow what nginx ships with (`client_header_timeout`, `large_client_header_buffers`,
/// `keepalive_timeout`).
public struct HTTPLimits: Sendable, Equatable {
    /// The request line (method, target, version) may be this long; longer gets 414
    /// (RFC 9112 §3: "A server that receives a request-target longer than any URI it wishes to
    /// parse MUST respond with a 414 (URI Too Long) status code").
    public var maxRequestLineBytes: Int
    /// The whole head (request line and header fields) may be this long; longer gets 431
    /// (RFC 6585 §5).
    public var maxHeadBytes: Int
    /// At most this many header fields; more get 431.
    public var maxHeaderCount: Int
    /// A connection's first request head must be complete this long after the connection is
    /// accepted, and a request's body this long after its head, or the server answers 408 and
    /// closes (RFC 9110 §15.5.9).
    public var readTimeoutSeconds: Int
    /// A kept-alive connection with no request in progress is closed after this long. Longer than
    /// AsyncHTTPClient's pool idle timeout (60 s), so a client of ours never sends a request on a
    /// connection the server is closing at the same moment.
    public var idleTimeoutSeconds: Int

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeadBytes: Int = 32 * 1024, maxHeaderCount: Int = 100,
                readTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 75) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.readTimeoutSeconds = readTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }
}
