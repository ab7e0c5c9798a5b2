/// Waiting times between attempts: from `initial`, doubled after each failure up to `maximum`,
/// back to `initial` after a success. A value, so the retry policy is tested without waiting.
public struct Backoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var current: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The wait before the next attempt, and doubles the one after.
    public mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    public mutating func reset() { current = initial }
}
