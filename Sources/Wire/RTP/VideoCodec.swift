// Per-codec "is this packet the start of a key frame" checks for the forwarding path: the SFU
// starts (or switches) a subscriber's stream only on such a packet. All checks read the RTP
// payload in place and never allocate.

public enum VideoCodec: Sendable, Equatable, Hashable {
    case vp8, vp9, h264, av1

    /// From an SDP rtpmap encoding name (case-insensitive), e.g. "VP8", "H264", "AV1".
    public init?(encodingName: String) {
        switch encodingName.lowercased() {
        case "vp8": self = .vp8
        case "vp9": self = .vp9
        case "h264": self = .h264
        case "av1", "av1x": self = .av1
        default: return nil
        }
    }

    /// True if `payload` (the RTP payload, after the RTP header) is the first packet of a
    /// key frame a decoder can start from. Malformed or short payloads return false.
    public static func isKeyframe(codec: VideoCodec, payload: UnsafeRawBufferPointer) -> Bool {
        switch codec {
        case .vp8: return VP8PayloadDescriptor.parse(payload)?.isKeyframe ?? false
        case .vp9: return VP9PayloadDescriptor.parse(payload)?.isKeyframe ?? false
        case .h264: return H264Payload.isKeyframe(payload)
        case .av1: return AV1AggregationHeader.isKeyframe(payload)
        }
    }
}
