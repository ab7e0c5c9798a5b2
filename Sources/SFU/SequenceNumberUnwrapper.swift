// Extends wrapping RTP counters (16-bit sequence numbers, 32-bit timestamps) to Int64 so that
// comparisons and differences keep working across wrap-around and reordering.
//
// Each new value is placed at the distance closest to the *previous* unwrapped value (a signed
// half-range step), the same rule as RFC 3550 Appendix A.1's sequence handling and libwebrtc's
// SeqNumUnwrapper. The first value maps to itself, so an older reordered packet right after the
// first one can unwrap to a negative number: callers must not assume values are ≥ 0.

/// Unwraps 16-bit RTP sequence numbers (RFC 3550 §5.1) to a monotonic Int64 space.
public struct SequenceNumberUnwrapper {
    private var last: Int64?

    public init() {}

    /// The most recently unwrapped value (not necessarily the highest), if any.
    public var lastUnwrapped: Int64? { last }

    /// Unwraps `sequenceNumber` and remembers it as the new reference.
    public mutating func unwrap(_ sequenceNumber: UInt16) -> Int64 {
        let value = peek(sequenceNumber)
        last = value
        return value
    }

    /// Unwraps without changing the reference point.
    public func peek(_ sequenceNumber: UInt16) -> Int64 {
        guard let last else { return Int64(sequenceNumber) }
        let step = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: last))
        return last + Int64(step)
    }

    public mutating func reset() { last = nil }
}

/// Unwraps 32-bit RTP timestamps (RFC 3550 §5.1) to a monotonic Int64 space.
public struct TimestampUnwrapper {
    private var last: Int64?

    public init() {}

    public var lastUnwrapped: Int64? { last }

    public mutating func unwrap(_ timestamp: UInt32) -> Int64 {
        let value = peek(timestamp)
        last = value
        return value
    }

    public func peek(_ timestamp: UInt32) -> Int64 {
        guard let last else { return Int64(timestamp) }
        let step = Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: last))
        return last + Int64(step)
    }

    public mutating func reset() { last = nil }
}
