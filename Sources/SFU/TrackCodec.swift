import RTP

public enum MediaKind: String, Sendable, Codable {
    case audio, video
}

/// The codec a track carries, as negotiated with the client that sends or receives it.
/// Payload types are per client: a publisher's Opus may be 111 and a subscriber's 96.
public struct TrackCodec: Sendable, Equatable {
    public var kind: MediaKind
    public var name: String
    public var clockRate: UInt32
    public var channels: Int?
    public var payloadType: UInt8
    public var rtxPayloadType: UInt8?
    public var fmtp: String?

    public init(kind: MediaKind, name: String, clockRate: UInt32, channels: Int? = nil, payloadType: UInt8,
                rtxPayloadType: UInt8? = nil, fmtp: String? = nil) {
        self.kind = kind
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.payloadType = payloadType
        self.rtxPayloadType = rtxPayloadType
        self.fmtp = fmtp
    }

    /// The video codec whose payload descriptor tells key frames apart, if any.
    public var videoCodec: VideoCodec? {
        switch name.lowercased() {
        case "vp8": .vp8
        case "vp9": .vp9
        case "h264": .h264
        case "av1": .av1
        default: nil
        }
    }

    /// One frame's worth of RTP timestamp, used to keep timestamps moving forward across a source
    /// change: 20 ms of audio, ~33 ms of video.
    public var frameDurationTicks: UInt32 {
        kind == .audio ? clockRate / 50 : clockRate / 30
    }
}

/// Header extension ids negotiated with one client, cached so the packet path never hashes URIs.
public struct ExtensionIDs: Sendable, Equatable {
    public var mid: UInt8?
    public var absSendTime: UInt8?
    public var transportWideSequence: UInt8?
    public var audioLevel: UInt8?

    public init(mid: UInt8? = nil, absSendTime: UInt8? = nil, transportWideSequence: UInt8? = nil, audioLevel: UInt8? = nil) {
        self.mid = mid
        self.absSendTime = absSendTime
        self.transportWideSequence = transportWideSequence
        self.audioLevel = audioLevel
    }

    public init(_ map: RTPHeaderExtensionMap) {
        self.init(mid: map.midID, absSendTime: map.absSendTimeID, transportWideSequence: map.transportWideCCID,
                  audioLevel: map.audioLevelID)
    }
}
