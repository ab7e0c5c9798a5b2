// A publisher track's recent RTP packets, kept so NACKed packets can be resent (RFC 4585 §6.2.1,
// RFC 4588). Fixed pre-allocated slots: storing and looking up never allocates.
//
// Slot i holds the packet whose extended sequence number ≡ i (mod capacity). A newer packet
// evicts the one a whole capacity older, which is what we want: ~1–2 s of video at 1024 slots.
// Not thread-safe; confined to the owning event loop.

public final class PacketHistory {
    /// Number of packets kept.
    public let capacity: Int
    /// Largest packet a slot can hold (bytes). Larger packets are not stored.
    public let slotSize: Int
    /// Packets older than this are not resent: the receiver's jitter buffer has moved on.
    public var maxRetransmissionAgeNanos: UInt64
    /// Minimum time between two resends of the same packet. Set it to about the RTT: a NACK
    /// repeated within one RTT was sent before our first resend could have arrived.
    public var minimumResendIntervalNanos: UInt64

    private let storage: UnsafeMutableRawPointer
    private var slotSequence: [Int64]
    private var slotLength: [Int]
    private var slotStoredAt: [UInt64]
    private var slotLastResentAt: [UInt64]
    private var slotWasResent: [Bool]
    private static let empty = Int64.min

    /// The newest extended sequence number stored so far.
    public private(set) var newestSequence: Int64?

    public init(capacity: Int = 1024,
                slotSize: Int = 1500,
                maxRetransmissionAgeNanos: UInt64 = 2_000_000_000,
                minimumResendIntervalNanos: UInt64 = 100_000_000) {
        precondition(capacity > 0 && slotSize > 0)
        self.capacity = capacity
        self.slotSize = slotSize
        self.maxRetransmissionAgeNanos = maxRetransmissionAgeNanos
        self.minimumResendIntervalNanos = minimumResendIntervalNanos
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity * slotSize, alignment: 16)
        slotSequence = Array(repeating: Self.empty, count: capacity)
        slotLength = Array(repeating: 0, count: capacity)
        slotStoredAt = Array(repeating: 0, count: capacity)
        slotLastResentAt = Array(repeating: 0, count: capacity)
        slotWasResent = Array(repeating: false, count: capacity)
    }

    deinit {
        storage.deallocate()
    }

    private func slot(for extendedSequence: Int64) -> Int {
        let c = Int64(capacity)
        return Int(((extendedSequence % c) + c) % c)
    }

    /// Copies `packet` into its slot. Returns false (and stores nothing) if the packet is larger
    /// than a slot or older than what the ring still covers.
    @discardableResult
    public func store(packet: UnsafeRawBufferPointer, extendedSequence: Int64, nowNanos: UInt64) -> Bool {
        guard packet.count <= slotSize, extendedSequence != Self.empty else { return false }
        if let newest = newestSequence {
            if extendedSequence <= newest - Int64(capacity) { return false }
            if extendedSequence > newest { newestSequence = extendedSequence }
        } else {
            newestSequence = extendedSequence
        }
        let index = slot(for: extendedSequence)
        if let base = packet.baseAddress, packet.count > 0 {
            (storage + index * slotSize).copyMemory(from: base, byteCount: packet.count)
        }
        slotSequence[index] = extendedSequence
        slotLength[index] = packet.count
        slotStoredAt[index] = nowNanos
        slotLastResentAt[index] = 0
        slotWasResent[index] = false
        return true
    }

    public func contains(extendedSequence: Int64) -> Bool {
        slotSequence[slot(for: extendedSequence)] == extendedSequence && extendedSequence != Self.empty
    }

    /// Calls `body` with the stored bytes, or returns nil if the packet is not (or no longer) held.
    /// The buffer is only valid inside `body`.
    public func withPacket<R>(extendedSequence: Int64,
                              _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let index = slot(for: extendedSequence)
        guard slotSequence[index] == extendedSequence, extendedSequence != Self.empty else { return nil }
        return try body(UnsafeRawBufferPointer(start: storage + index * slotSize, count: slotLength[index]))
    }

    /// Like `withPacket`, for answering a NACK: returns nil when the packet is missing, older than
    /// `maxRetransmissionAgeNanos`, or was already resent less than `minimumResendIntervalNanos`
    /// ago; otherwise records the resend time and calls `body`.
    public func withPacketForRetransmission<R>(extendedSequence: Int64, nowNanos: UInt64,
                                               _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let index = slot(for: extendedSequence)
        guard slotSequence[index] == extendedSequence, extendedSequence != Self.empty else { return nil }
        let storedAt = slotStoredAt[index]
        if nowNanos > storedAt, nowNanos - storedAt > maxRetransmissionAgeNanos { return nil }
        if slotWasResent[index], nowNanos < slotLastResentAt[index] &+ minimumResendIntervalNanos { return nil }
        slotWasResent[index] = true
        slotLastResentAt[index] = nowNanos
        return try body(UnsafeRawBufferPointer(start: storage + index * slotSize, count: slotLength[index]))
    }

    /// Forgets every packet (e.g. when the publisher's SSRC changes).
    public func removeAll() {
        for i in 0..<capacity { slotSequence[i] = Self.empty }
        newestSequence = nil
    }
}
