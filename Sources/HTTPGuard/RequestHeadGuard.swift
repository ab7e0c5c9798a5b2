/// Reads the bytes of a connection's first HTTP/1.1 request head, before any HTTP parser sees
/// them, and decides whether to let them through: a socket-free state machine (bytes and time
/// in, a verdict out).
///
/// NIO's HTTP decoder, once it gives up on a head, reports an error that the WebSocket-upgrade
/// pipeline only logs, so a 100 KB URL, 10,000 header fields or a TLS ClientHello on the plain
/// HTTP port got no answer at all; and the pipeline's idle timer starts only after the first head
/// is parsed, so a client that sent half a head held its socket forever. This guard answers all
/// of those itself, then steps aside: later requests on a kept-alive connection are bounded by
/// the decoder's own limits (set to the same `HTTPLimits`) and the idle timeout.
public struct RequestHeadGuard: Sendable {
    public enum Verdict: Equatable, Sendable {
        /// The head is not complete yet: pass these bytes on and wait for more.
        case incomplete
        /// The head is complete: pass these bytes on; the guard has nothing more to do.
        case complete
        /// Answer with this and close; do not pass the bytes on.
        case rejected(Rejection)
    }

    /// The status and short text a refused request gets, with `Connection: close`.
    public struct Rejection: Equatable, Sendable {
        public let status: Int
        public let reason: String
        public let detail: String

        static let notHTTP = Rejection(status: 400, reason: "Bad Request",
                                       detail: "this port speaks plain HTTP/1.1; the request did not start with an HTTP method")
        static let malformed = Rejection(status: 400, reason: "Bad Request", detail: "malformed request head")
        static let targetTooLong = Rejection(status: 414, reason: "URI Too Long", detail: "the request line is too long")
        static let headTooLarge = Rejection(status: 431, reason: "Request Header Fields Too Large",
                                            detail: "the request's header fields are too large")
        static let tooManyFields = Rejection(status: 431, reason: "Request Header Fields Too Large",
                                             detail: "the request has too many header fields")
        static let timedOut = Rejection(status: 408, reason: "Request Timeout",
                                        detail: "the request head did not arrive in time")

        /// The whole HTTP/1.1 response, ready for the socket.
        public var responseBytes: [UInt8] {
            let body = detail + "\n"
            return Array(("HTTP/1.1 \(status) \(reason)\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
        }
    }

    private enum Phase: Equatable {
        /// Before the request line; RFC 9112 §2.2 lets a server skip empty lines here.
        case leadingLines
        case requestLine
        case fieldLines
        case done(Verdict)
    }

    public let limits: HTTPLimits
    /// When the head must be complete (monotonic nanoseconds).
    public let deadlineNanos: UInt64
    private var phase = Phase.leadingLines
    private var headBytes = 0
    private var lineBytes = 0
    private var fieldCount = 0
    /// Whether the last byte of the current field line was CR (a line of only CR is empty).
    private var lastWasCR = false
    /// Leading empty lines skipped; a client sending only newlines is not a client.
    private var leadingLineCount = 0

    public init(limits: HTTPLimits, nowNanos: UInt64) {
        self.limits = limits
        deadlineNanos = nowNanos &+ UInt64(max(0, limits.readTimeoutSeconds)) &* 1_000_000_000
    }

    /// The verdict once one has been reached, or `incomplete`.
    public var verdict: Verdict {
        if case .done(let verdict) = phase { return verdict }
        return .incomplete
    }

    /// The next bytes the client sent.
    public mutating func receive(_ bytes: some Sequence<UInt8>) -> Verdict {
        if case .done(let verdict) = phase { return verdict }
        for byte in bytes {
            if let verdict = step(byte) {
                phase = .done(verdict)
                return verdict
            }
        }
        return .incomplete
    }

    /// Time passed: a head still incomplete at the deadline is refused with 408.
    public mutating func tick(nowNanos: UInt64) -> Verdict {
        if case .done(let verdict) = phase { return verdict }
        guard nowNanos >= deadlineNanos else { return .incomplete }
        phase = .done(.rejected(.timedOut))
        return verdict
    }

    /// One byte of the head; a verdict when this byte decides it. Lines end with LF; a CR before
    /// it is counted as part of the line, as llhttp accepts either ending.
    private mutating func step(_ byte: UInt8) -> Verdict? {
        headBytes += 1
        if headBytes > limits.maxHeadBytes {
            return phase == .requestLine ? .rejected(.targetTooLong) : .rejected(.headTooLarge)
        }
        switch phase {
        case .leadingLines:
            if byte == UInt8(ascii: "\r") { return nil }
            if byte == UInt8(ascii: "\n") {
                leadingLineCount += 1
                return leadingLineCount > 4 ? .rejected(.malformed) : nil
            }
            // A method is a token (RFC 9110 §9.1); every method Cascade serves is letters. A TLS
            // ClientHello starts with 0x16, HTTP/2's preface with "PRI" (letters, refused later by
            // the parser, which answers it).
            guard Self.isLetter(byte) else { return .rejected(.notHTTP) }
            phase = .requestLine
            lineBytes = 1
            return nil
        case .requestLine:
            if byte == UInt8(ascii: "\n") {
                phase = .fieldLines
                lineBytes = 0
                return nil
            }
            lineBytes += 1
            return lineBytes > limits.maxRequestLineBytes ? .rejected(.targetTooLong) : nil
        case .fieldLines:
            if byte == UInt8(ascii: "\n") {
                // An empty line (nothing, or only CR) ends the head (RFC 9112 §2.1).
                if lineBytes == 0 || (lineBytes == 1 && lastWasCR) { return .complete }
                fieldCount += 1
                lineBytes = 0
                lastWasCR = false
                return fieldCount > limits.maxHeaderCount ? .rejected(.tooManyFields) : nil
            }
            lineBytes += 1
            lastWasCR = byte == UInt8(ascii: "\r")
            return nil
        case .done(let verdict):
            return verdict
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
