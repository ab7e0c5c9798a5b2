import Foundation

/// Where rooms read time: monotonic nanoseconds for deadlines and rates, the wall clock for chat
/// timestamps and TURN expiry. Injected so that tests can move time by hand.
public protocol ControlClock: Sendable {
    var nowNanos: UInt64 { get }
    var unixMillis: Int64 { get }
}

public struct SystemControlClock: ControlClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var nowNanos: UInt64 {
        let elapsed = origin.duration(to: .now).components
        return UInt64(max(0, elapsed.seconds)) * 1_000_000_000 + UInt64(max(0, elapsed.attoseconds / 1_000_000_000))
    }

    public var unixMillis: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
