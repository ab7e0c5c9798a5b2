// Builds transport-wide CC feedback from packet arrivals the way libwebrtc's
// TransportFeedback::SetBase / AddReceivedPacket do (rtcp_packet/transport_feedback.cc), so the
// deltas round exactly as Chrome's estimator expects.

public struct TransportCCFeedbackBuilder: Sendable {
    /// The reference time wraps after 2^24 × 64 ms.
    static let timeWrapPeriodMicros: Int64 = (1 << 24) * TransportCCFeedback.referenceTimeUnitMicros

    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32
    public let feedbackPacketCount: UInt8
    /// Upper bound for the serialized RTCP packet (header included), so it fits one datagram.
    public let maxPacketBytes: Int

    private var baseSequenceNumber: UInt16 = 0
    private var referenceTime: Int32 = 0
    private var lastTimestampMicros: Int64 = 0
    private var packets: [TransportCCFeedback.PacketStatus] = []
    private var encoder = ChunkEncoder()
    private var emittedChunks = 0
    private var deltaBytes = 0

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, feedbackPacketCount: UInt8, maxPacketBytes: Int = 1200) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.feedbackPacketCount = feedbackPacketCount
        self.maxPacketBytes = max(maxPacketBytes, 24)
    }

    public var isEmpty: Bool { packets.isEmpty }
    public var packetCount: Int { packets.count }

    /// Adds a received packet (arrival time in µs on the local monotonic clock, e.g.
    /// `nowNanos / 1000`). Sequence numbers must increase; gaps are reported as not received.
    /// Returns false, changing nothing, if the packet cannot join this feedback (older sequence
    /// number, delta beyond ±8.19 s, or the size limit): send `build()` and start a new builder.
    public mutating func addReceived(sequenceNumber: UInt16, arrivalMicros: Int64) -> Bool {
        if packets.isEmpty {
            // SetBase: the reference time is the first arrival rounded down to 64 ms.
            let ticks = (max(arrivalMicros, 0) % TransportCCFeedbackBuilder.timeWrapPeriodMicros)
                / TransportCCFeedback.referenceTimeUnitMicros
            baseSequenceNumber = sequenceNumber
            referenceTime = Int32(bitPattern: UInt32(ticks) << 8) >> 8
            lastTimestampMicros = ticks * TransportCCFeedback.referenceTimeUnitMicros
        }

        // Delta in 250 µs ticks, rounded half away from zero, wrap-aware.
        var deltaFull = (arrivalMicros - lastTimestampMicros) % TransportCCFeedbackBuilder.timeWrapPeriodMicros
        if deltaFull > TransportCCFeedbackBuilder.timeWrapPeriodMicros / 2 {
            deltaFull -= TransportCCFeedbackBuilder.timeWrapPeriodMicros
        }
        deltaFull += deltaFull < 0 ? -(TransportCCFeedback.tickMicros / 2) : TransportCCFeedback.tickMicros / 2
        deltaFull /= TransportCCFeedback.tickMicros
        guard let delta = Int16(exactly: deltaFull) else { return false }

        // Gap of lost packets before this one.
        var gap = 0
        if !packets.isEmpty {
            let next = baseSequenceNumber &+ UInt16(truncatingIfNeeded: packets.count)
            let distance = sequenceNumber &- next
            guard distance < 0x8000 else { return false }   // older or duplicate
            gap = Int(distance)
        }
        guard packets.count + gap + 1 <= 0xFFFF else { return false }

        // Check the size on copies of the (allocation-free) chunk state, then commit.
        var encoder = self.encoder
        var emittedChunks = self.emittedChunks
        for _ in 0..<gap {
            guard append(TransportCCFeedback.symbolNotReceived, &encoder, &emittedChunks) else { return false }
        }
        let status = TransportCCFeedback.PacketStatus.received(deltaTicks: delta)
        let symbol = TransportCCFeedback.symbol(of: status)
        guard append(symbol, &encoder, &emittedChunks) else { return false }
        self.encoder = encoder
        self.emittedChunks = emittedChunks
        packets.append(contentsOf: repeatElement(.notReceived, count: gap))
        packets.append(status)
        deltaBytes += Int(symbol)
        lastTimestampMicros += Int64(delta) * TransportCCFeedback.tickMicros
        return true
    }

    /// Mirrors libwebrtc's AddDeltaSize size accounting.
    private func append(_ symbol: UInt8, _ encoder: inout ChunkEncoder, _ emittedChunks: inout Int) -> Bool {
        let limit = maxPacketBytes - 3   // leave room for padding to 32 bits
        let size = 20 + 2 * (emittedChunks + (encoder.isEmpty ? 0 : 1)) + deltaBytes
        if encoder.isEmpty || encoder.canAdd(symbol) {
            let extraChunk = encoder.isEmpty ? 2 : 0
            guard size + extraChunk + Int(symbol) <= limit else { return false }
            encoder.add(symbol)
            return true
        }
        guard size + 2 + Int(symbol) <= limit else { return false }
        _ = encoder.emit()
        emittedChunks += 1
        encoder.add(symbol)
        return true
    }

    /// The feedback so far, or nil if no packet was added (empty feedback is invalid for libwebrtc).
    public func build() -> TransportCCFeedback? {
        guard !packets.isEmpty else { return nil }
        return TransportCCFeedback(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
                                   referenceTime: referenceTime, feedbackPacketCount: feedbackPacketCount,
                                   packets: packets)
    }
}
