import STUN

/// RFC 8489 §6.2.1 retransmission of a request over UDP: send at 0, RTO, 3·RTO, 7·RTO, … doubling
/// each time, Rc transmissions in all, then wait Rm·RTO more before declaring a timeout.
/// RFC 8445 §14.3 sets RTO for checks to at least 500 ms.
public struct STUNRetransmissionPolicy: Hashable, Sendable {
    public var initialRTONanos: UInt64
    /// Rc: total transmissions, the first included (RFC 8489 default 7).
    public var maxTransmissions: Int
    /// Rm: the last wait is this many initial RTOs (RFC 8489 default 16).
    public var finalWaitMultiplier: UInt64

    public init(initialRTONanos: UInt64 = 500_000_000, maxTransmissions: Int = 7, finalWaitMultiplier: UInt64 = 16) {
        self.initialRTONanos = initialRTONanos
        self.maxTransmissions = max(1, maxTransmissions)
        self.finalWaitMultiplier = finalWaitMultiplier
    }

    /// How long to wait after transmission number `count` (1-based) before the next step.
    func wait(afterTransmission count: Int) -> UInt64 {
        if count >= maxTransmissions { return initialRTONanos &* finalWaitMultiplier }
        return initialRTONanos &<< UInt64(min(count - 1, 20))
    }
}

/// One outstanding request: its bytes, how often it was sent, and when to act next.
struct STUNClientTransaction: Sendable {
    enum Step: Equatable {
        case wait
        case retransmit([UInt8])
        case timedOut
    }

    let id: STUNTransactionID
    let bytes: [UInt8]
    let policy: STUNRetransmissionPolicy
    private(set) var transmissions: Int
    private(set) var deadlineNanos: UInt64

    /// Call when the request is first sent.
    init(id: STUNTransactionID, bytes: [UInt8], policy: STUNRetransmissionPolicy, sentAtNanos: UInt64) {
        self.id = id
        self.bytes = bytes
        self.policy = policy
        self.transmissions = 1
        self.deadlineNanos = sentAtNanos &+ policy.wait(afterTransmission: 1)
    }

    mutating func step(nowNanos: UInt64) -> Step {
        guard nowNanos >= deadlineNanos else { return .wait }
        guard transmissions < policy.maxTransmissions else { return .timedOut }
        transmissions += 1
        deadlineNanos = nowNanos &+ policy.wait(afterTransmission: transmissions)
        return .retransmit(bytes)
    }
}
