// Writes a complete RTP packet (RFC 3550 §5.1) into a caller-provided buffer without allocating:
// this is how the SFU re-emits a publisher's payload for each subscriber, with the subscriber's
// SSRC/sequence/timestamp and its own extension IDs (mid, abs-send-time, TWCC seq, audio level).

public struct RTPPacketWriter: Sendable {
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var marker: Bool
    public var extensions: RTPExtensionElements
    /// Use the two-byte extension form even if the one-byte form would do. The writer picks the
    /// two-byte form by itself when an element needs it (id > 14 or length 0 / > 16).
    public var forceTwoByteExtensions: Bool
    /// If set, written as the first two payload bytes: the RTX original sequence number (RFC 4588 §4).
    public var rtxOriginalSequenceNumber: UInt16?
    /// RTP padding bytes to add (0...255), e.g. for bandwidth probes (RFC 3550 §5.1 "P").
    public var paddingLength: Int

    public init(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, marker: Bool = false,
                extensions: RTPExtensionElements = RTPExtensionElements(), forceTwoByteExtensions: Bool = false,
                rtxOriginalSequenceNumber: UInt16? = nil, paddingLength: Int = 0) {
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.marker = marker
        self.extensions = extensions
        self.forceTwoByteExtensions = forceTwoByteExtensions
        self.rtxOriginalSequenceNumber = rtxOriginalSequenceNumber
        self.paddingLength = paddingLength
    }

    private var usesTwoByteForm: Bool { forceTwoByteExtensions || extensions.requiresTwoByteForm }

    /// Header length including the extension block and the RTX OSN, i.e. where the payload goes.
    public var headerLength: Int {
        RTPHeader.fixedHeaderLength + extensions.encodedLength(twoByteForm: usesTwoByteForm)
            + (rtxOriginalSequenceNumber == nil ? 0 : 2)
    }

    /// Total length of the packet for a payload of `payloadLength` bytes.
    public func packetLength(payloadLength: Int) -> Int { headerLength + payloadLength + paddingLength }

    /// Writes the packet into `out` and returns its length, or nil if it does not fit or
    /// `paddingLength` is outside 0...255.
    ///
    /// `payload` may point into `out` itself (in-place rewrite of a received packet): the payload
    /// is moved with memmove semantics before the header is written.
    public func write(payload: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard paddingLength >= 0, paddingLength <= 255 else { return nil }
        let twoByte = usesTwoByteForm
        let extensionLength = extensions.encodedLength(twoByteForm: twoByte)
        let headerLength = RTPHeader.fixedHeaderLength + extensionLength + (rtxOriginalSequenceNumber == nil ? 0 : 2)
        let total = headerLength + payload.count + paddingLength
        guard total <= out.count, let outBase = out.baseAddress else { return nil }

        // Payload first: it may overlap the header area of `out`.
        if payload.count > 0, let source = payload.baseAddress {
            (outBase + headerLength).copyMemory(from: source, byteCount: payload.count)
        }

        let b0: UInt8 = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (extensionLength > 0 ? 0x10 : 0)
        out[0] = b0
        out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        out.writeUInt16(sequenceNumber, at: 2)
        out.writeUInt32(timestamp, at: 4)
        out.writeUInt32(ssrc, at: 8)
        _ = extensions.encode(into: out, at: RTPHeader.fixedHeaderLength, twoByteForm: twoByte)
        if let osn = rtxOriginalSequenceNumber {
            out.writeUInt16(osn, at: headerLength - 2)
        }
        if paddingLength > 0 {
            let start = headerLength + payload.count
            for i in start..<(total - 1) { out[i] = 0 }
            out[total - 1] = UInt8(paddingLength)
        }
        return total
    }
}
