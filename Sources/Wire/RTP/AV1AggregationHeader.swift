// AV1 RTP payload (AV1 RTP specification v1.0, §4.4 aggregation header, §4.5 payload structure).
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |Z|Y| W |N|-|-|-|
//
// Z: first OBU element continues a fragment from the previous packet; Y: last element continues
// in the next; W: element count (0 = every element has a LEB128 length; 1–3 = that many, the last
// without a length); N: first packet of a coded video sequence.
// OBU header (AV1 spec §5.3.2): |F| type(4) |X|S|R|; type 1 = sequence header.

public struct AV1AggregationHeader: Sendable, Equatable {
    public var continuesFragment: Bool      // Z
    public var fragmentContinues: Bool      // Y
    public var elementCount: UInt8          // W
    public var startsCodedVideoSequence: Bool  // N

    public static let obuTypeSequenceHeader: UInt8 = 1

    public init(byte: UInt8) {
        continuesFragment = byte & 0x80 != 0
        fragmentContinues = byte & 0x40 != 0
        elementCount = (byte >> 4) & 0x03
        startsCodedVideoSequence = byte & 0x08 != 0
    }

    /// Z=0, N=1 and a sequence header OBU starts in this packet (galene codecs.go checks the same).
    public static func isKeyframe(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard payload.count >= 2 else { return false }
        let header = AV1AggregationHeader(byte: payload[0])
        guard !header.continuesFragment, header.startsCodedVideoSequence else { return false }
        var found = false
        forEachOBUStart(in: payload) { obuType in
            if obuType == obuTypeSequenceHeader { found = true; return false }
            return true
        }
        return found
    }

    /// Calls `body` with the OBU type of each element that starts in this packet (skipping a
    /// leading continuation when Z=1). Stops on malformed lengths.
    public static func forEachOBUStart(in payload: UnsafeRawBufferPointer, _ body: (UInt8) -> Bool) {
        let count = payload.count
        guard count >= 1 else { return }
        let header = AV1AggregationHeader(byte: payload[0])
        var i = 1
        var element = 0
        while i < count {
            element += 1
            let isLastCounted = header.elementCount != 0 && element == Int(header.elementCount)
            let size: Int
            if isLastCounted {
                size = count - i
            } else {
                guard let (value, used) = readLEB128(payload, at: i) else { return }
                i += used
                guard value <= UInt64(count - i) else { return }
                size = Int(value)
            }
            if size > 0, !(element == 1 && header.continuesFragment) {
                let obuType = (payload[i] >> 3) & 0x0F
                if !body(obuType) { return }
            }
            i += size
            if isLastCounted { return }
        }
    }

    /// LEB128 (AV1 spec §4.10.5), at most 8 bytes.
    static func readLEB128(_ payload: UnsafeRawBufferPointer, at offset: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        for k in 0..<8 {
            guard offset + k < payload.count else { return nil }
            let byte = payload[offset + k]
            value |= UInt64(byte & 0x7F) << (7 * UInt64(k))
            if byte & 0x80 == 0 { return (value, k + 1) }
        }
        return nil
    }
}
