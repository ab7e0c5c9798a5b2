// Feedback messages (RFC 4585 §6.1): generic NACK (RTPFB FMT=1), PLI (PSFB FMT=1),
// FIR (PSFB FMT=4, RFC 5104 §4.3.1) and REMB (PSFB FMT=15, draft-alvestrand-rmcat-remb-03).
//
//  |V=2|P|   FMT   |       PT      |          length               |
//  |                  SSRC of packet sender                        |
//  |                  SSRC of media source                         |
//  :            Feedback Control Information (FCI)                 :

/// Generic NACK (RFC 4585 §6.2.1): each FCI entry is a PID (16 bits) and a bitmask BLP whose
/// bit i means PID+i+1 is lost too.
public struct GenericNACK: Sendable, Equatable {
    public static let format: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// Lost sequence numbers, in the order they are packed (each group's PID then its BLP bits).
    public var lostSequenceNumbers: [UInt16]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: [UInt16]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.lostSequenceNumbers = lostSequenceNumbers
    }

    /// Packs sequence numbers into (PID, BLP) pairs. A number joins the current pair if it lies
    /// 1...16 after its PID (mod 2^16); otherwise it starts a new pair. Give the numbers in
    /// ascending (wrap-aware) order for the tightest packing; duplicates are harmless.
    public static func pack(_ sequenceNumbers: [UInt16]) -> [(pid: UInt16, blp: UInt16)] {
        var pairs: [(pid: UInt16, blp: UInt16)] = []
        for seq in sequenceNumbers {
            if let last = pairs.last {
                let distance = seq &- last.pid
                if distance == 0 { continue }
                if distance <= 16 {
                    pairs[pairs.count - 1].blp |= 1 << (distance - 1)
                    continue
                }
            }
            pairs.append((pid: seq, blp: 0))
        }
        return pairs
    }

    static func parse(body: ArraySlice<UInt8>) throws(RTCPError) -> GenericNACK {
        var reader = RTCPReader(body)
        var nack = GenericNACK(senderSSRC: try reader.read32(), mediaSSRC: try reader.read32(), lostSequenceNumbers: [])
        while reader.remaining >= 4 {
            let pid = try reader.read16()
            let blp = try reader.read16()
            nack.lostSequenceNumbers.append(pid)
            for bit in 0..<16 where blp & (1 << bit) != 0 {
                nack.lostSequenceNumbers.append(pid &+ UInt16(bit + 1))
            }
        }
        return nack
    }

    func serialize(into out: inout [UInt8]) {
        let pairs = GenericNACK.pack(lostSequenceNumbers)
        rtcpAppendHeader(&out, count: GenericNACK.format, packetType: RTCPPacketType.transportFeedback,
                         byteCount: 12 + 4 * pairs.count)
        rtcpAppend32(&out, senderSSRC)
        rtcpAppend32(&out, mediaSSRC)
        for pair in pairs {
            rtcpAppend16(&out, pair.pid)
            rtcpAppend16(&out, pair.blp)
        }
    }
}

/// Picture Loss Indication (RFC 4585 §6.3.1): PSFB FMT=1, no FCI.
public struct PictureLossIndication: Sendable, Equatable {
    public static let format: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    static func parse(body: ArraySlice<UInt8>) throws(RTCPError) -> PictureLossIndication {
        var reader = RTCPReader(body)
        return PictureLossIndication(senderSSRC: try reader.read32(), mediaSSRC: try reader.read32())
    }

    func serialize(into out: inout [UInt8]) {
        rtcpAppendHeader(&out, count: PictureLossIndication.format, packetType: RTCPPacketType.payloadFeedback,
                         byteCount: 12)
        rtcpAppend32(&out, senderSSRC)
        rtcpAppend32(&out, mediaSSRC)
    }
}

/// Full Intra Request (RFC 5104 §4.3.1): PSFB FMT=4. The media source SSRC field is 0 and each
/// FCI entry names an SSRC and a command sequence number, incremented per new request
/// (§4.3.1.2: repeats with the same number are the same request).
public struct FullIntraRequest: Sendable, Equatable {
    public static let format: UInt8 = 4

    public struct Entry: Sendable, Equatable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt8
        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    /// Should be 0 (RFC 5104 §4.3.1.2); kept for round trips.
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    static func parse(body: ArraySlice<UInt8>) throws(RTCPError) -> FullIntraRequest {
        var reader = RTCPReader(body)
        var fir = FullIntraRequest(senderSSRC: try reader.read32(), mediaSSRC: try reader.read32(), entries: [])
        while reader.remaining >= 8 {
            let ssrc = try reader.read32()
            let seq = try reader.read8()
            try reader.skip(3)  // reserved
            fir.entries.append(Entry(ssrc: ssrc, sequenceNumber: seq))
        }
        return fir
    }

    func serialize(into out: inout [UInt8]) {
        rtcpAppendHeader(&out, count: FullIntraRequest.format, packetType: RTCPPacketType.payloadFeedback,
                         byteCount: 12 + 8 * entries.count)
        rtcpAppend32(&out, senderSSRC)
        rtcpAppend32(&out, mediaSSRC)
        for entry in entries {
            rtcpAppend32(&out, entry.ssrc)
            out.append(entry.sequenceNumber)
            out.append(contentsOf: [0, 0, 0])
        }
    }
}

/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2): PSFB FMT=15
/// (application layer FB) with "REMB", the SSRC count, a 6-bit exponent and 18-bit mantissa.
///
///  |  Unique identifier 'R' 'E' 'M' 'B'                            |
///  |  Num SSRC     | BR Exp    |  BR Mantissa                      |
///  |   SSRC feedback ...                                           |
public struct ReceiverEstimatedMaxBitrate: Sendable, Equatable {
    public static let format: UInt8 = 15
    static let identifier: [UInt8] = [0x52, 0x45, 0x4D, 0x42]  // "REMB"

    public var senderSSRC: UInt32
    /// Bitrate in bits per second. Values above 0x3FFFF are sent with the smallest exponent
    /// that fits (precision lost in the low bits), as libwebrtc does (remb.cc).
    public var bitrateBps: UInt64
    public var ssrcs: [UInt32]
    /// The largest 18-bit mantissa at the largest exponent that keeps it within 64 bits.
    public static let maximumBitrateBps: UInt64 = 0x3_FFFF << 46

    public init(senderSSRC: UInt32, bitrateBps: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.bitrateBps = bitrateBps
        self.ssrcs = ssrcs
    }

    /// True if the PSFB FMT=15 body (after the common header) starts with "REMB".
    static func matches(body: ArraySlice<UInt8>) -> Bool {
        body.count >= 12 && body.dropFirst(8).prefix(4).elementsEqual(identifier)
    }

    static func parse(body: ArraySlice<UInt8>) throws(RTCPError) -> ReceiverEstimatedMaxBitrate {
        var reader = RTCPReader(body)
        let sender = try reader.read32()
        _ = try reader.read32()  // media source SSRC, always 0 (§2.2)
        try reader.skip(4)       // "REMB"
        let count = Int(try reader.read8())
        let packed = try reader.read24()
        let exponent = UInt64(packed >> 18)
        let mantissa = UInt64(packed & 0x3_FFFF)
        // Saturate if the exponent shifts the mantissa out of 64 bits, at the largest value the
        // field can carry in 64 bits: UInt64.max would serialize as that and parse back different.
        let bitrate: UInt64 = (mantissa == 0) ? 0
            : (exponent >= 64 || (mantissa << exponent) >> exponent != mantissa) ? maximumBitrateBps : mantissa << exponent
        try reader.require(4 * count)
        var ssrcs: [UInt32] = []
        for _ in 0..<count { ssrcs.append(try reader.read32()) }
        return ReceiverEstimatedMaxBitrate(senderSSRC: sender, bitrateBps: bitrate, ssrcs: ssrcs)
    }

    func serialize(into out: inout [UInt8]) {
        let ssrcs = self.ssrcs.prefix(255)
        var mantissa = bitrateBps
        var exponent: UInt32 = 0
        while mantissa > 0x3_FFFF {
            mantissa >>= 1
            exponent += 1
        }
        rtcpAppendHeader(&out, count: ReceiverEstimatedMaxBitrate.format, packetType: RTCPPacketType.payloadFeedback,
                         byteCount: 20 + 4 * ssrcs.count)
        rtcpAppend32(&out, senderSSRC)
        rtcpAppend32(&out, 0)
        out.append(contentsOf: ReceiverEstimatedMaxBitrate.identifier)
        out.append(UInt8(ssrcs.count))
        rtcpAppend24(&out, exponent << 18 | UInt32(mantissa))
        for ssrc in ssrcs { rtcpAppend32(&out, ssrc) }
    }
}
