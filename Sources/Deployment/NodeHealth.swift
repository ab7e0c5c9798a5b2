/// Whether one media node is up, from the results of periodic probes (e.g. GET /health).
///
/// A state machine with no clock of its own: the caller feeds each probe result with the time
/// it arrived, calls `tick(nowNanos:)` from its timer, and acts on the transitions returned.
///
/// - unknown → healthy after one successful probe;
/// - any → unhealthy after `failuresToDown` consecutive failed probes, or when no probe has
///   succeeded for `staleAfterNanos` (a probe that never answers is caught this way too);
/// - unhealthy → healthy after one successful probe.
public struct NodeHealth: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// No probe result yet: not used for placement.
        case unknown
        case healthy
        case unhealthy
    }

    /// Returned when the state flips, so the caller can log it and move participants.
    public enum Transition: Sendable, Equatable {
        case becameHealthy
        case becameUnhealthy
    }

    public static let defaultFailuresToDown = 2
    public static let defaultStaleAfterNanos: UInt64 = 3_000_000_000

    public let failuresToDown: Int
    public let staleAfterNanos: UInt64
    public private(set) var state: State = .unknown
    public private(set) var consecutiveFailures = 0
    /// When the last successful probe arrived; nil before the first.
    public private(set) var lastSuccessNanos: UInt64?

    public init(failuresToDown: Int = NodeHealth.defaultFailuresToDown,
                staleAfterNanos: UInt64 = NodeHealth.defaultStaleAfterNanos) {
        self.failuresToDown = max(1, failuresToDown)
        self.staleAfterNanos = staleAfterNanos
    }

    /// The state as of the last event. Use `isHealthy(nowNanos:)` to also account for time
    /// passed since then.
    public var isHealthy: Bool {
        state == .healthy
    }

    /// Healthy, and its last success not yet stale at `nowNanos`.
    public func isHealthy(nowNanos: UInt64) -> Bool {
        state == .healthy && !isStale(nowNanos: nowNanos)
    }

    public mutating func recordSuccess(nowNanos: UInt64) -> Transition? {
        consecutiveFailures = 0
        lastSuccessNanos = max(nowNanos, lastSuccessNanos ?? 0)
        return move(to: .healthy)
    }

    public mutating func recordFailure(nowNanos: UInt64) -> Transition? {
        consecutiveFailures += 1
        if consecutiveFailures >= failuresToDown || isStale(nowNanos: nowNanos) {
            return move(to: .unhealthy)
        }
        return nil
    }

    /// Applies the passage of time: a healthy node whose last success is stale goes down.
    public mutating func tick(nowNanos: UInt64) -> Transition? {
        if state == .healthy && isStale(nowNanos: nowNanos) {
            return move(to: .unhealthy)
        }
        return nil
    }

    private func isStale(nowNanos: UInt64) -> Bool {
        guard let lastSuccessNanos else { return false }
        // A clock read before the last success (callers on different threads) counts as no
        // time passed rather than wrapping around.
        return nowNanos >= lastSuccessNanos && nowNanos - lastSuccessNanos >= staleAfterNanos
    }

    private mutating func move(to next: State) -> Transition? {
        guard next != state else { return nil }
        state = next
        switch next {
        case .healthy:
            return .becameHealthy
        case .unhealthy:
            // unknown → unhealthy is reported too: a node never seen up is news to act on.
            return .becameUnhealthy
        case .unknown:
            return nil
        }
    }
}
