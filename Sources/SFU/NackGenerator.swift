// Publisher-side loss detection: decides which missing RTP packets to request with a Generic
// NACK (RFC 4585 §6.2.1), when to repeat the request, and when to give up and ask for a key frame.
//
// Shape follows libwebrtc's NackRequester: a gap opens entries for every missing sequence number;
// an entry is first requested after a short reorder delay (0 = immediately), repeated every
// max(RTT, minimumRetryInterval), and dropped after `maxRetries` requests or `maxAge`. When more
// than `maxMissing` packets are outstanding NACKing cannot catch up, so the list is cleared and
// `needsKeyframe` is raised (RFC 4585 §6.3.1: PLI). It is raised too when a packet is given up:
// the frames after it reference what never arrived, and every decoder downstream stays stuck until
// the next key frame — which, after a WAN outage of a few seconds, no one else asks for (an aiortc
// subscriber waited 9 s).
//
// `received` runs per packet and does not allocate once the dictionary capacity is reserved
// (it never exceeds `maxMissing`). `due` runs on a timer and returns an array.

public struct NackGenerator {
    public struct Configuration: Sendable {
        /// Wait this long after detecting a gap before the first NACK, so plain reordering does
        /// not trigger requests. 0 requests on the next `due` call.
        public var reorderDelayNanos: UInt64 = 10_000_000
        /// Lower bound of the retry interval (the RTT is used when larger).
        public var minimumRetryIntervalNanos: UInt64 = 20_000_000
        /// Requests per packet before it is declared lost.
        public var maxRetries: Int = 10
        /// A missing packet older than this is lost for good (the decoder has moved on).
        public var maxAgeNanos: UInt64 = 1_000_000_000
        /// Packets this far behind the newest sequence number are not requested.
        public var maxSequenceAge: Int64 = 10_000
        /// More outstanding packets than this: clear the list and request a key frame instead.
        public var maxMissing: Int = 1000

        public init() {}
    }

    private struct Missing {
        var detectedAt: UInt64
        var lastRequestedAt: UInt64
        var requests: Int
    }

    public var configuration: Configuration
    /// Current round-trip time estimate; sets the retry interval.
    public var roundTripTimeNanos: UInt64 = 100_000_000

    /// True after a loss burst NACK cannot repair; cleared by `keyframeRequested()`.
    public private(set) var needsKeyframe = false
    /// Distinct sequence numbers requested at least once.
    public private(set) var requestedCount: UInt64 = 0
    /// Requested packets that arrived afterwards.
    public private(set) var recoveredCount: UInt64 = 0
    /// Missing packets we stopped asking for.
    public private(set) var lostCount: UInt64 = 0

    private var unwrapper = SequenceNumberUnwrapper()
    private var highest: Int64?
    private var missing: [Int64: Missing] = [:]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        missing.reserveCapacity(configuration.maxMissing + 1)
    }

    /// Number of sequence numbers currently tracked as missing.
    public var missingCount: Int { missing.count }

    private var retryIntervalNanos: UInt64 {
        max(roundTripTimeNanos, configuration.minimumRetryIntervalNanos)
    }

    /// Feed every received packet of the track (RTX packets with their original sequence number
    /// and `isRetransmission: true`).
    public mutating func received(sequenceNumber: UInt16, isRetransmission: Bool, nowNanos: UInt64) {
        let extended = unwrapper.unwrap(sequenceNumber)
        guard let top = highest else {
            highest = extended
            return
        }
        if extended <= top {
            // Late packet: reordered or a retransmission filling a gap.
            if let entry = missing.removeValue(forKey: extended), entry.requests > 0 || isRetransmission {
                recoveredCount += 1
            }
            return
        }
        highest = extended
        let gap = extended - top - 1
        if gap > 0 {
            if gap > Int64(configuration.maxMissing) || missing.count + Int(gap) > configuration.maxMissing {
                // Too much to repair by NACK (RFC 4585 §6.3.1: ask for a refresh instead).
                lostCount += UInt64(missing.count) + UInt64(gap)
                missing.removeAll(keepingCapacity: true)
                needsKeyframe = true
            } else {
                var seq = top + 1
                while seq < extended {
                    missing[seq] = Missing(detectedAt: nowNanos, lastRequestedAt: 0, requests: 0)
                    seq += 1
                }
            }
        }
    }

    /// Sequence numbers to put in a NACK now, oldest first. Marks them as requested.
    public mutating func due(nowNanos: UInt64) -> [UInt16] {
        guard !missing.isEmpty else { return [] }
        var result: [Int64] = []
        let retry = retryIntervalNanos
        let oldestWanted = (highest ?? 0) - configuration.maxSequenceAge
        for (seq, entry) in missing {
            if seq < oldestWanted
                || (nowNanos >= entry.detectedAt && nowNanos - entry.detectedAt > configuration.maxAgeNanos) {
                giveUp(seq)
                continue
            }
            let isDue = entry.requests == 0
                ? nowNanos >= entry.detectedAt &+ configuration.reorderDelayNanos
                : nowNanos >= entry.lastRequestedAt &+ retry
            guard isDue else { continue }
            if entry.requests >= configuration.maxRetries {
                giveUp(seq)
                continue
            }
            if entry.requests == 0 { requestedCount += 1 }
            missing[seq] = Missing(detectedAt: entry.detectedAt, lastRequestedAt: nowNanos,
                                   requests: entry.requests + 1)
            result.append(seq)
        }
        result.sort()
        return result.map { UInt16(truncatingIfNeeded: $0) }
    }

    /// A missing packet is lost for good: stop asking, and ask for a key frame instead.
    private mutating func giveUp(_ seq: Int64) {
        missing.removeValue(forKey: seq)
        lostCount += 1
        needsKeyframe = true
    }

    /// When `due` should next be called, or nil when nothing is outstanding.
    public func nextDueNanos() -> UInt64? {
        var earliest: UInt64?
        let retry = retryIntervalNanos
        for entry in missing.values {
            let at = entry.requests == 0
                ? entry.detectedAt &+ configuration.reorderDelayNanos
                : entry.lastRequestedAt &+ retry
            let expiry = entry.detectedAt &+ configuration.maxAgeNanos &+ 1
            let next = min(at, expiry)
            earliest = earliest.map { min($0, next) } ?? next
        }
        return earliest
    }

    /// The caller sent (or scheduled) a key frame request; clear the flag.
    public mutating func keyframeRequested() {
        needsKeyframe = false
    }

    /// Forget everything (new SSRC after a publisher restart).
    public mutating func reset() {
        unwrapper.reset()
        highest = nil
        missing.removeAll(keepingCapacity: true)
        needsKeyframe = false
    }
}
