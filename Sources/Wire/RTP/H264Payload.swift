// H.264 RTP payload (RFC 6184 §5.6–§5.8): the NAL unit header's low 5 bits give the type.
// Single NAL unit packets carry types 1–23, STAP-A (24) aggregates [16-bit size][NAL]...,
// FU-A (28) fragments a NAL with an FU header |S|E|R| type |.

public enum H264Payload {
    public static let nalTypeIDR: UInt8 = 5
    public static let nalTypeSPS: UInt8 = 7
    public static let nalTypePPS: UInt8 = 8
    public static let nalTypeSTAPA: UInt8 = 24
    public static let nalTypeFUA: UInt8 = 28

    /// True if the packet carries an SPS: as a single NAL, inside a STAP-A, or at the start of
    /// an FU-A. This — not IDR — marks the first packet of a key frame a new subscriber can
    /// decode: Chrome sends SPS+PPS (usually in a STAP-A) ahead of the IDR, and starting at the
    /// IDR's own packet would skip them (mediasoup H264.cpp; galene codecs.go).
    public static func isKeyframe(_ payload: UnsafeRawBufferPointer) -> Bool {
        containsNAL(type: nalTypeSPS, in: payload)
    }

    /// True if the packet carries (the start of) an IDR slice.
    public static func containsIDR(_ payload: UnsafeRawBufferPointer) -> Bool {
        containsNAL(type: nalTypeIDR, in: payload)
    }

    /// True if a NAL unit of `type` starts in this packet.
    public static func containsNAL(type wanted: UInt8, in payload: UnsafeRawBufferPointer) -> Bool {
        var found = false
        forEachNALStart(in: payload) { type in
            if type == wanted { found = true; return false }
            return true
        }
        return found
    }

    /// Calls `body` with the type of each NAL unit that starts in this packet (FU-A: only when
    /// S=1). `body` returns false to stop. Malformed aggregates end the walk.
    public static func forEachNALStart(in payload: UnsafeRawBufferPointer, _ body: (UInt8) -> Bool) {
        let count = payload.count
        guard count >= 1 else { return }
        let type = payload[0] & 0x1F
        switch type {
        case nalTypeSTAPA:
            // RFC 6184 §5.7.1: after the STAP-A NAL header, repeated [size(16)][NAL unit].
            var i = 1
            while i + 2 < count {
                let size = Int(payload[i]) << 8 | Int(payload[i + 1])
                i += 2
                guard size > 0, i + size <= count else { return }
                if !body(payload[i] & 0x1F) { return }
                i += size
            }
        case nalTypeFUA:
            // RFC 6184 §5.8: FU indicator, then FU header |S|E|R|Type|.
            guard count >= 2, payload[1] & 0x80 != 0 else { return }
            _ = body(payload[1] & 0x1F)
        case 1...23:
            _ = body(type)
        default:
            return  // STAP-B, MTAP, FU-B (not used by WebRTC) and reserved types
        }
    }
}
