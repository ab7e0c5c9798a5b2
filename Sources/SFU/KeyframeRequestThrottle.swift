// Limits key frame requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1) sent to one publisher
// track. Every subscriber that joins or loses packets asks for a key frame; the publisher needs
// only one per interval, and a key frame costs several times a delta frame.
//
// A request inside the interval is remembered and sent when the interval ends (`shouldSend`), unless a
// key frame arrives first. Each request sent is a new FIR command, so it gets the next FIR
// sequence number (RFC 5104 §4.3.1.1: incremented by one, modulo 256, per new request).

public struct KeyframeRequestThrottle {
    public var minimumIntervalNanos: UInt64
    /// FIR "Seq nr." of the most recent request sent (valid once `requestsSent > 0`).
    public private(set) var firSequenceNumber: UInt8 = 0
    public private(set) var requestsSent: UInt64 = 0
    /// A request is waiting for the interval to end.
    public private(set) var isPending = false
    private var lastSentAt: UInt64?

    public init(minimumIntervalNanos: UInt64 = 400_000_000) {
        self.minimumIntervalNanos = minimumIntervalNanos
    }

    /// A subscriber (or our own loss detection) wants a key frame. Records the wish; call
    /// `shouldSend` right after and again at `nextDeadlineNanos`.
    public mutating func request(nowNanos: UInt64) {
        isPending = true
    }

    /// True when a pending request should go out now as a PLI/FIR (use `firSequenceNumber` for a
    /// FIR); the request is then consumed.
    public mutating func shouldSend(nowNanos: UInt64) -> Bool {
        guard isPending, canSend(nowNanos: nowNanos) else { return false }
        markSent(nowNanos: nowNanos)
        return true
    }

    /// When a pending request becomes sendable, or nil if nothing is pending.
    public var nextDeadlineNanos: UInt64? {
        guard isPending else { return nil }
        return (lastSentAt ?? 0) &+ minimumIntervalNanos
    }

    /// A key frame arrived from the publisher: pending requests are satisfied.
    public mutating func keyframeReceived() {
        isPending = false
    }

    private func canSend(nowNanos: UInt64) -> Bool {
        guard let last = lastSentAt else { return true }
        return nowNanos >= last &+ minimumIntervalNanos
    }

    private mutating func markSent(nowNanos: UInt64) {
        if requestsSent > 0 { firSequenceNumber &+= 1 }
        requestsSent += 1
        lastSentAt = nowNanos
        isPending = false
    }
}
