import RTP

// Receiver side of transport-wide congestion control
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): records the arrival time of every
// packet carrying the transport-wide sequence number extension and turns them into RTPFB FMT=15
// feedback messages, sent by the caller about every 100 ms.
//
// Every sequence number since the previous feedback is reported, received or not: the sender
// treats an omitted packet as lost, and libwebrtc then stops probing (webrtc-rs/rtc issue 211).
// A late packet (older than what was already reported) moves the start of the next feedback
// back so it is reported as received after all, as libwebrtc's RemoteEstimatorProxy does.
//
// `record` runs per packet and does not allocate: arrivals live in a fixed ring indexed by the
// unwrapped sequence number.

public struct TransportWideCCRecorder {
    public struct Configuration: Sendable {
        /// Packets remembered for (re)reporting; rounded up to a power of two.
        public var historyCapacity: Int = 8192
        /// Received packets (deltas) per feedback message before starting another, keeping a
        /// message well under the MTU (≤ 2 bytes per delta plus status chunks).
        public var maxReceivedPerFeedback: Int = 400
        /// Status entries per message (the packet status count field is 16 bits).
        public var maxStatusesPerFeedback: Int = 0xFFFF

        public init() {}
    }

    /// draft §3.1.5: deltas are in multiples of 250 µs; the reference time in multiples of 64 ms.
    public static let tickNanos: UInt64 = 250_000
    public static let referenceTimeUnitNanos: UInt64 = 64_000_000
    static let ticksPerReferenceUnit: Int64 = 256

    public let configuration: Configuration
    private let mask: Int64
    private var slotSequence: [Int64]
    private var slotArrival: [UInt64]
    private var unwrapper = SequenceNumberUnwrapper()
    private var highest: Int64?
    private var nextToReport: Int64?
    private var feedbackPacketCount: UInt8 = 0
    private var lastReferenceTime: Int32 = 0

    public init(configuration: Configuration = Configuration()) {
        var capacity = 1
        while capacity < max(configuration.historyCapacity, 16) { capacity <<= 1 }
        self.configuration = configuration
        mask = Int64(capacity - 1)
        slotSequence = Array(repeating: Int64.min, count: capacity)
        slotArrival = Array(repeating: 0, count: capacity)
    }

    /// True when packets arrived since the last feedback.
    public var hasPendingFeedback: Bool {
        guard let next = nextToReport, let top = highest else { return false }
        return next <= top
    }

    /// Record one arriving packet's transport-wide sequence number.
    public mutating func record(transportSequence: UInt16, arrivalNanos: UInt64) {
        let extended = unwrapper.unwrap(transportSequence)
        guard let top = highest else {
            highest = extended
            nextToReport = extended
            store(extended, arrivalNanos)
            return
        }
        // Older than the ring: its slot now belongs to a newer packet.
        if extended <= top - (mask + 1) { return }
        let slot = Int(extended & mask)
        if slotSequence[slot] == extended { return }  // duplicate: keep the first arrival
        store(extended, arrivalNanos)
        if extended > top { highest = extended }
        if let next = nextToReport, extended < next { nextToReport = extended }
    }

    private mutating func store(_ extended: Int64, _ arrivalNanos: UInt64) {
        let slot = Int(extended & mask)
        slotSequence[slot] = extended
        slotArrival[slot] = arrivalNanos
    }

    /// Feedback for every packet since the previous call, split into several messages when a
    /// delta does not fit 16 bits or a message grows too large. Empty when nothing arrived.
    public mutating func makeFeedback(senderSSRC: UInt32, mediaSSRC: UInt32,
                                      nowNanos: UInt64) -> [TransportCCFeedback] {
        guard let next = nextToReport, let top = highest, next <= top else { return [] }
        let first = max(next, top - mask)
        var messages: [TransportCCFeedback] = []

        var base: Int64 = first
        var statuses: [TransportCCFeedback.PacketStatus] = []
        var receivedInMessage = 0
        var referenceTime: Int32?
        var previousTicks: Int64 = 0

        func finish() {
            guard !statuses.isEmpty else { return }
            let reference = referenceTime ?? lastReferenceTime
            lastReferenceTime = reference
            messages.append(TransportCCFeedback(
                senderSSRC: senderSSRC, mediaSSRC: mediaSSRC,
                baseSequenceNumber: UInt16(truncatingIfNeeded: base),
                referenceTime: reference, feedbackPacketCount: feedbackPacketCount,
                packets: statuses))
            feedbackPacketCount &+= 1
            statuses = []
            statuses.reserveCapacity(64)
            receivedInMessage = 0
            referenceTime = nil
        }

        var sequence = first
        while sequence <= top {
            let slot = Int(sequence & mask)
            if slotSequence[slot] == sequence {
                let arrival = slotArrival[slot]
                let ticks = Int64(arrival / Self.tickNanos)
                var delta = ticks - previousTicks
                let fits = referenceTime != nil && delta >= Int64(Int16.min) && delta <= Int64(Int16.max)
                if !fits || receivedInMessage >= configuration.maxReceivedPerFeedback {
                    if referenceTime != nil {
                        finish()
                        base = sequence
                    }
                    // §3.1: the first delta is relative to the reference time (64 ms units, 24 bits).
                    let units = arrival / Self.referenceTimeUnitNanos
                    // Signed 24-bit on the wire; sign-extend so the value equals what a parser reads
                    // back. Receivers only use differences, so the wrap is harmless.
                    referenceTime = Int32(bitPattern: UInt32(truncatingIfNeeded: units & 0xFF_FFFF) << 8) >> 8
                    previousTicks = Int64(units) * Self.ticksPerReferenceUnit
                    delta = ticks - previousTicks
                }
                statuses.append(.received(deltaTicks: Int16(delta)))
                receivedInMessage += 1
                previousTicks = ticks
            } else {
                statuses.append(.notReceived)
            }
            if statuses.count >= configuration.maxStatusesPerFeedback {
                finish()
                base = sequence + 1
            }
            sequence += 1
        }
        finish()
        nextToReport = top + 1
        return messages
    }
}
