/// When a media node gives freed memory back to the system.
///
/// glibc's malloc keeps the memory a burst of sessions freed in its arenas: after 6,594 WHIP
/// sessions came and went, the node's RSS stayed at 904 MB (from 330) until `malloc_trim`
/// brought it to 59 MB. Trimming walks every arena under its lock, so it is done only after
/// sessions have really gone — the count fell well below its peak, or to zero — and not more
/// often than `minimumIntervalNanos`. A pure value: the node's trim loop brings the clock.
struct MemoryTrimPolicy: Sendable {
    /// Sessions the count must fall below its peak since the last trim.
    let minimumDrop: Int
    let minimumIntervalNanos: UInt64
    private var peak = 0
    private var lastTrimNanos: UInt64?

    init(minimumDrop: Int = 32, minimumIntervalNanos: UInt64 = 5_000_000_000) {
        self.minimumDrop = minimumDrop
        self.minimumIntervalNanos = minimumIntervalNanos
    }

    /// Whether to trim now, given how many sessions the node holds; a yes starts a new peak.
    mutating func shouldTrim(sessions: Int, nowNanos: UInt64) -> Bool {
        peak = max(peak, sessions)
        let fell = peak - sessions >= minimumDrop || (sessions == 0 && peak > 0)
        guard fell else { return false }
        if let last = lastTrimNanos, nowNanos &- last < minimumIntervalNanos { return false }
        lastTrimNanos = nowNanos
        peak = sessions
        return true
    }
}
