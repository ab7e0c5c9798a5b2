// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
// §3.1): RTPFB (PT=205) FMT=15.
//
//  |      base sequence number     |      packet status count      |
//  |                 reference time                | fb pkt. count |
//  |          packet chunk         |         packet chunk          |
//  .                                                               .
//  |         packet chunk          |  recv delta   |  recv delta   |
//  .                                                               .
//
// Chunks (§3.1.3, §3.1.4), 16 bits each:
//   run length:    0 | S(2) | run length(13)
//   status vector: 1 | 0 | 14 × 1-bit symbols (0 not received, 1 received small delta)
//                  1 | 1 |  7 × 2-bit symbols (00 not received, 01 small, 10 large, 11 reserved)
// Receive deltas (§3.1.5) in 250 µs ticks: small = 1 byte unsigned, large = 2 bytes signed.
// The first delta is relative to reference time (units of 64 ms, 24-bit signed), each next one
// to the previous received packet.

public struct TransportCCFeedback: Sendable, Equatable {
    public static let format: UInt8 = 15
    /// One receive-delta tick, in microseconds.
    public static let tickMicros: Int64 = 250
    /// One reference-time unit, in microseconds.
    public static let referenceTimeUnitMicros: Int64 = 64_000

    public enum PacketStatus: Sendable, Equatable {
        case notReceived
        /// Arrival delta from the previous received packet (or from the reference time, for the
        /// first one), in 250 µs ticks. 0...255 is encoded small, anything else large.
        case received(deltaTicks: Int16)
    }

    public var senderSSRC: UInt32
    /// libwebrtc sets this to the SSRC of one of the media streams; receivers ignore it.
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// 24-bit signed, in units of 64 ms.
    public var referenceTime: Int32
    /// Increments with every feedback packet sent, so the sender can detect lost feedback.
    public var feedbackPacketCount: UInt8
    /// Status of base, base+1, ... (at most 65535 entries). libwebrtc rejects feedback with no
    /// entries ("Empty feedback messages not allowed"), so don't send an empty one.
    public var packets: [PacketStatus]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
                feedbackPacketCount: UInt8, packets: [PacketStatus]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    // Delta "sizes" double as 2-bit symbols (§3.1.1).
    static let symbolNotReceived: UInt8 = 0
    static let symbolSmall: UInt8 = 1
    static let symbolLarge: UInt8 = 2

    static func symbol(of status: PacketStatus) -> UInt8 {
        switch status {
        case .notReceived: return symbolNotReceived
        case .received(let delta): return (0...255).contains(delta) ? symbolSmall : symbolLarge
        }
    }

    /// One reported packet with its arrival time on the feedback sender's clock, in µs since
    /// that clock's (wrapping) reference: referenceTime × 64 ms plus the running sum of deltas.
    public struct Arrival: Sendable, Equatable {
        public var sequenceNumber: UInt16
        /// nil if the packet was not received.
        public var arrivalMicros: Int64?
        public init(sequenceNumber: UInt16, arrivalMicros: Int64?) {
            self.sequenceNumber = sequenceNumber
            self.arrivalMicros = arrivalMicros
        }
    }

    /// Every reported packet in sequence order with its reconstructed arrival time, for the
    /// sender-side bandwidth estimator.
    public func arrivals() -> [Arrival] {
        var result: [Arrival] = []
        result.reserveCapacity(packets.count)
        var time = Int64(referenceTime) * TransportCCFeedback.referenceTimeUnitMicros
        var sequence = baseSequenceNumber
        for packet in packets {
            switch packet {
            case .notReceived:
                result.append(Arrival(sequenceNumber: sequence, arrivalMicros: nil))
            case .received(let delta):
                time += Int64(delta) * TransportCCFeedback.tickMicros
                result.append(Arrival(sequenceNumber: sequence, arrivalMicros: time))
            }
            sequence &+= 1
        }
        return result
    }

    // MARK: Parsing

    static func parse(body: ArraySlice<UInt8>) throws(RTCPError) -> TransportCCFeedback {
        var reader = RTCPReader(body)
        let sender = try reader.read32()
        let media = try reader.read32()
        let base = try reader.read16()
        let statusCount = Int(try reader.read16())
        let reference24 = try reader.read24()
        let fbCount = try reader.read8()

        // Chunks until every status is known.
        var symbols: [UInt8] = []
        symbols.reserveCapacity(statusCount)
        while symbols.count < statusCount {
            let chunk = try reader.read16()
            let remaining = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                // Run length chunk (§3.1.3).
                let symbol = UInt8((chunk >> 13) & 0x3)
                let run = min(Int(chunk & 0x1FFF), remaining)
                guard symbol != 3 else { throw .malformed("TWCC run-length chunk with reserved symbol") }
                symbols.append(contentsOf: repeatElement(symbol, count: run))
            } else if chunk & 0x4000 == 0 {
                // One-bit status vector (§3.1.4).
                for i in 0..<min(14, remaining) {
                    symbols.append(UInt8((chunk >> (13 - UInt16(i))) & 0x1))
                }
            } else {
                // Two-bit status vector.
                for i in 0..<min(7, remaining) {
                    let symbol = UInt8((chunk >> (12 - 2 * UInt16(i))) & 0x3)
                    guard symbol != 3 else { throw .malformed("TWCC status vector with reserved symbol") }
                    symbols.append(symbol)
                }
            }
        }

        var packets: [PacketStatus] = []
        packets.reserveCapacity(statusCount)
        for symbol in symbols {
            switch symbol {
            case symbolSmall: packets.append(.received(deltaTicks: Int16(try reader.read8())))
            case symbolLarge: packets.append(.received(deltaTicks: Int16(bitPattern: try reader.read16())))
            default: packets.append(.notReceived)
            }
        }
        return TransportCCFeedback(senderSSRC: sender, mediaSSRC: media, baseSequenceNumber: base,
                                   referenceTime: Int32(bitPattern: reference24 << 8) >> 8,
                                   feedbackPacketCount: fbCount, packets: packets)
    }

    // MARK: Serializing

    /// Packs the statuses into chunks with the same greedy choice libwebrtc makes
    /// (transport_feedback.cc LastChunk), so our output matches Chrome's own encoder.
    static func encodeChunks(_ symbols: [UInt8]) -> [UInt16] {
        var encoder = ChunkEncoder()
        var chunks: [UInt16] = []
        for symbol in symbols {
            if !encoder.canAdd(symbol) { chunks.append(encoder.emit()) }
            encoder.add(symbol)
        }
        if !encoder.isEmpty { chunks.append(encoder.encodeLast()) }
        return chunks
    }

    func serialize(into out: inout [UInt8]) {
        let packets = self.packets.prefix(0xFFFF)
        let symbols = packets.map(TransportCCFeedback.symbol(of:))
        let chunks = TransportCCFeedback.encodeChunks(symbols)
        var deltaBytes = 0
        for symbol in symbols { deltaBytes += Int(symbol) }   // 0, 1 or 2 bytes each
        let unpadded = 20 + 2 * chunks.count + deltaBytes
        let paddingCount = (4 - unpadded % 4) % 4
        // libwebrtc pads with the RTCP P bit and a count in the last byte (§6.4.1 of RFC 3550).
        rtcpAppendHeader(&out, count: TransportCCFeedback.format, packetType: RTCPPacketType.transportFeedback,
                         byteCount: unpadded + paddingCount, padding: paddingCount > 0)
        rtcpAppend32(&out, senderSSRC)
        rtcpAppend32(&out, mediaSSRC)
        rtcpAppend16(&out, baseSequenceNumber)
        rtcpAppend16(&out, UInt16(packets.count))
        rtcpAppend24(&out, UInt32(bitPattern: referenceTime) & 0xFF_FFFF)
        out.append(feedbackPacketCount)
        for chunk in chunks { rtcpAppend16(&out, chunk) }
        for packet in packets {
            guard case .received(let delta) = packet else { continue }
            if (0...255).contains(delta) {
                out.append(UInt8(delta))
            } else {
                rtcpAppend16(&out, UInt16(bitPattern: delta))
            }
        }
        if paddingCount > 0 {
            out.append(contentsOf: repeatElement(0, count: paddingCount - 1))
            out.append(UInt8(paddingCount))
        }
    }
}

/// The chunk currently being filled (mirrors libwebrtc's TransportFeedback::LastChunk).
/// The first 14 symbols are packed 2 bits each into `packed` (beyond 14 only runs of one
/// symbol can grow, so they need no storage): copying it never allocates.
struct ChunkEncoder: Sendable {
    static let maxRunLength = 0x1FFF
    static let maxOneBit = 14
    static let maxTwoBit = 7

    private var packed: UInt32 = 0
    private var size = 0
    private var allSame = true
    private var hasLarge = false

    var isEmpty: Bool { size == 0 }

    private func symbol(at index: Int) -> UInt8 { UInt8((packed >> (2 * UInt32(index))) & 0x3) }

    func canAdd(_ symbol: UInt8) -> Bool {
        if size < ChunkEncoder.maxTwoBit { return true }
        if size < ChunkEncoder.maxOneBit && !hasLarge && symbol != 2 { return true }
        if size < ChunkEncoder.maxRunLength && allSame && self.symbol(at: 0) == symbol { return true }
        return false
    }

    mutating func add(_ symbol: UInt8) {
        if size < ChunkEncoder.maxOneBit { packed |= UInt32(symbol & 0x3) << (2 * UInt32(size)) }
        size += 1
        allSame = allSame && symbol == self.symbol(at: 0)
        hasLarge = hasLarge || symbol == 2
    }

    /// Emits a full chunk, keeping what did not fit (only after a two-bit vector).
    mutating func emit() -> UInt16 {
        if allSame {
            let chunk = runLength()
            self = ChunkEncoder()
            return chunk
        }
        if size == ChunkEncoder.maxOneBit {
            let chunk = oneBitVector()
            self = ChunkEncoder()
            return chunk
        }
        let chunk = twoBitVector(count: ChunkEncoder.maxTwoBit)
        let old = self
        self = ChunkEncoder()
        for i in ChunkEncoder.maxTwoBit..<old.size { add(old.symbol(at: i)) }
        return chunk
    }

    func encodeLast() -> UInt16 {
        if allSame { return runLength() }
        if size <= ChunkEncoder.maxTwoBit { return twoBitVector(count: size) }
        return oneBitVector()
    }

    private func runLength() -> UInt16 {
        UInt16(symbol(at: 0)) << 13 | UInt16(size)
    }

    private func oneBitVector() -> UInt16 {
        var chunk: UInt16 = 0x8000
        for i in 0..<size { chunk |= UInt16(symbol(at: i) & 0x1) << (13 - UInt16(i)) }
        return chunk
    }

    private func twoBitVector(count: Int) -> UInt16 {
        var chunk: UInt16 = 0xC000
        for i in 0..<count { chunk |= UInt16(symbol(at: i)) << (12 - 2 * UInt16(i)) }
        return chunk
    }
}
