/// Forwarding delays in microseconds: 1 µs buckets below 10 ms, 100 µs buckets up to ~1 s, one
/// overflow bucket. Fixed memory, no allocation per sample.
struct DelayHistogram: Sendable {
    static let fineLimitMicros = 10_000
    static let coarseWidthMicros = 100
    static let coarseBuckets = 9_900
    private(set) var counts: [UInt64]
    private(set) var total: UInt64 = 0
    private(set) var maximumMicros: UInt64 = 0

    init() {
        counts = [UInt64](repeating: 0, count: Self.fineLimitMicros + Self.coarseBuckets + 1)
    }

    mutating func record(micros: UInt64) {
        let index: Int
        if micros < UInt64(Self.fineLimitMicros) {
            index = Int(micros)
        } else {
            let coarse = Int(min((micros - UInt64(Self.fineLimitMicros)) / UInt64(Self.coarseWidthMicros),
                                 UInt64(Self.coarseBuckets)))
            index = Self.fineLimitMicros + coarse
        }
        counts[index] += 1
        total += 1
        maximumMicros = max(maximumMicros, micros)
    }

    mutating func merge(_ other: DelayHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        total += other.total
        maximumMicros = max(maximumMicros, other.maximumMicros)
    }

    /// The smallest bucket value with at least `fraction` of the samples at or below it.
    func percentile(_ fraction: Double) -> UInt64? {
        guard total > 0 else { return nil }
        let wanted = UInt64((Double(total) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= max(wanted, 1) {
                if index < Self.fineLimitMicros { return UInt64(index) }
                return UInt64(Self.fineLimitMicros + (index - Self.fineLimitMicros + 1) * Self.coarseWidthMicros)
            }
        }
        return maximumMicros
    }
}
