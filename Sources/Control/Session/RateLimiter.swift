/// The message rate limit of docs/signaling.md (*Limits*): a token bucket that refills at
/// `ratePerSecond` and holds `burst` tokens (50/s with bursts of 100: on average 50/s over 2 s).
/// Every rejected message is a strike; `maxStrikes` strikes within `strikeWindowNanos` mean
/// the socket is closed (1008).
///
/// A value: time comes in as monotonic nanoseconds, so tests need no clock.
struct RateLimiter: Sendable {
    enum Decision: Equatable {
        case allow
        case reject
        case rejectAndClose
    }

    let ratePerSecond: Double
    let burst: Double
    let maxStrikes: Int
    let strikeWindowNanos: UInt64

    private var tokens: Double
    private var lastRefillNanos: UInt64?
    private var strikes: [UInt64] = []

    init(ratePerSecond: Double, burst: Int, maxStrikes: Int = 10, strikeWindowNanos: UInt64 = 10_000_000_000) {
        self.ratePerSecond = ratePerSecond
        self.burst = Double(burst)
        self.maxStrikes = maxStrikes
        self.strikeWindowNanos = strikeWindowNanos
        self.tokens = Double(burst)
    }

    mutating func admit(nowNanos: UInt64) -> Decision {
        if let last = lastRefillNanos, nowNanos > last {
            tokens = min(burst, tokens + Double(nowNanos - last) / 1e9 * ratePerSecond)
        }
        if lastRefillNanos == nil || nowNanos > lastRefillNanos! { lastRefillNanos = nowNanos }
        if tokens >= 1 {
            tokens -= 1
            return .allow
        }
        strikes.removeAll { nowNanos >= $0 && nowNanos - $0 >= strikeWindowNanos }
        strikes.append(nowNanos)
        return strikes.count >= maxStrikes ? .rejectAndClose : .reject
    }
}
