// Bit rate over a sliding window, kept in fixed time buckets so that adding a packet never
// allocates. Used for the received bitrate behind REMB and for statistics.

public struct BitrateWindow {
    public let windowNanos: UInt64
    private let bucketNanos: UInt64
    private var buckets: [UInt64]
    /// Index of the bucket that covers `currentBucketStart`.
    private var current = 0
    private var currentBucketStart: UInt64 = 0
    private var firstSampleAt: UInt64?
    private var total: UInt64 = 0

    /// - Parameters:
    ///   - windowNanos: averaging window (default 1 s).
    ///   - bucketCount: time resolution; the window slides in steps of windowNanos / bucketCount.
    public init(windowNanos: UInt64 = 1_000_000_000, bucketCount: Int = 20) {
        precondition(bucketCount > 0 && windowNanos >= UInt64(bucketCount))
        self.windowNanos = windowNanos
        self.bucketNanos = windowNanos / UInt64(bucketCount)
        self.buckets = Array(repeating: 0, count: bucketCount)
    }

    /// Moves the window forward to `nowNanos`, clearing buckets that fell out of it.
    private mutating func advance(to nowNanos: UInt64) {
        guard firstSampleAt != nil, nowNanos >= currentBucketStart &+ bucketNanos else { return }
        let steps = (nowNanos - currentBucketStart) / bucketNanos
        if steps >= UInt64(buckets.count) {
            for i in 0..<buckets.count { buckets[i] = 0 }
            total = 0
        } else {
            for _ in 0..<Int(steps) {
                current = (current + 1) % buckets.count
                total -= buckets[current]
                buckets[current] = 0
            }
        }
        currentBucketStart += steps * bucketNanos
    }

    public mutating func add(bytes: Int, nowNanos: UInt64) {
        if firstSampleAt == nil {
            firstSampleAt = nowNanos
            currentBucketStart = nowNanos
        }
        // A sample from before the current bucket (clock went backwards) counts as current.
        advance(to: nowNanos)
        buckets[current] += UInt64(max(bytes, 0))
        total += UInt64(max(bytes, 0))
    }

    /// Bits per second over the window ending at `nowNanos`. While less than a window has passed
    /// since the first sample, the elapsed time (at least one bucket) is used instead, so a young
    /// stream is not under-estimated.
    public mutating func bitrateBps(nowNanos: UInt64) -> UInt64 {
        guard let first = firstSampleAt else { return 0 }
        advance(to: nowNanos)
        let elapsed = nowNanos > first ? nowNanos - first : 0
        let span = max(min(elapsed, windowNanos), bucketNanos)
        // bits / seconds without overflow for realistic totals (< 2^53 bytes).
        return UInt64((Double(total) * 8 * 1e9 / Double(span)).rounded())
    }

    public mutating func reset() {
        for i in 0..<buckets.count { buckets[i] = 0 }
        total = 0
        current = 0
        firstSampleAt = nil
    }
}
