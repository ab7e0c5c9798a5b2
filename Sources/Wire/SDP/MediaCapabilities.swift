/// A codec the SFU can forward, as matched against offered `a=rtpmap`/`a=fmtp` lines.
public struct CodecCapability: Equatable, Sendable {
    /// Encoding name: `opus`, `VP8`, `VP9`, `H264`, `AV1` (matched case-insensitively).
    public var name: String
    public var clockRate: UInt32
    /// Audio channels as in rtpmap (`opus/48000/2`); nil for video.
    public var channels: Int?
    /// fmtp parameters an offered format must carry with these values. An absent parameter takes
    /// its RFC default (`packetization-mode` 0, VP9 `profile-id` 0, AV1 `profile` 0, H.264
    /// `profile-level-id` 420010). `profile-level-id` matches on profile_idc and the constraint
    /// flags only: the level may differ (RFC 6184 §8.1).
    public var requiredFmtp: [String: String]
    /// Feedback we implement for this codec (`nack`, `nack pli`, `ccm fir`, `goog-remb`,
    /// `transport-cc`); answers declare the intersection with the offer.
    public var feedback: [String]
    /// Whether we accept/send RTX (RFC 4588) for this codec.
    public var rtx: Bool
    /// The fmtp text we put in our own offers (nil: none).
    public var offerFmtp: String?

    public init(
        name: String, clockRate: UInt32, channels: Int? = nil, requiredFmtp: [String: String] = [:],
        feedback: [String] = [], rtx: Bool = false, offerFmtp: String? = nil
    ) {
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.requiredFmtp = requiredFmtp
        self.feedback = feedback
        self.rtx = rtx
        self.offerFmtp = offerFmtp
    }
}

/// What the SFU accepts, in preference order (the first supported codec in this order is chosen
/// for each m-section unless `AnswerOptions.preferOffererCodecOrder` is set).
public struct MediaCapabilities: Equatable, Sendable {
    public var audio: [CodecCapability]
    public var video: [CodecCapability]
    /// Header extension URIs we understand; answers echo those offered, with the offered ids.
    public var headerExtensions: [String]

    public init(audio: [CodecCapability], video: [CodecCapability], headerExtensions: [String]) {
        self.audio = audio
        self.video = video
        self.headerExtensions = headerExtensions
    }

    public func codecs(for kind: MediaKind) -> [CodecCapability] {
        kind == .audio ? audio : video
    }

    /// Opus; VP8, VP9 (profile 0), H.264 packetization-mode 1 (42e01f, 42001f, 4d001f, 640c1f), AV1
    /// (profile 0), all video with RTX; NACK, PLI, FIR, REMB, TWCC; extensions mid, abs-send-time,
    /// transport-wide-cc, ssrc-audio-level. No rid/repaired-rid yet.
    public static let sfuDefault: MediaCapabilities = {
        let videoFeedback = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"]
        func h264(_ profile: String) -> CodecCapability {
            CodecCapability(
                name: "H264", clockRate: 90000,
                requiredFmtp: ["packetization-mode": "1", "profile-level-id": profile],
                feedback: videoFeedback, rtx: true,
                offerFmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=\(profile)")
        }
        return MediaCapabilities(
            audio: [
                CodecCapability(
                    name: "opus", clockRate: 48000, channels: 2, feedback: ["transport-cc"],
                    offerFmtp: "minptime=10;useinbandfec=1"),
            ],
            video: [
                CodecCapability(name: "VP8", clockRate: 90000, feedback: videoFeedback, rtx: true),
                CodecCapability(
                    name: "VP9", clockRate: 90000, requiredFmtp: ["profile-id": "0"], feedback: videoFeedback,
                    rtx: true, offerFmtp: "profile-id=0"),
                h264("42e01f"), h264("42001f"), h264("4d001f"), h264("640c1f"),
                CodecCapability(
                    name: "AV1", clockRate: 90000, requiredFmtp: ["profile": "0"], feedback: videoFeedback,
                    rtx: true, offerFmtp: "level-idx=5;profile=0;tier=0"),
            ],
            headerExtensions: [
                HeaderExtensionURI.mid, HeaderExtensionURI.absSendTime, HeaderExtensionURI.transportWideCC,
                HeaderExtensionURI.audioLevel,
            ])
    }()
}

extension CodecCapability {
    /// RFC defaults for fmtp parameters a format may omit.
    static let fmtpDefaults: [String: String] = [
        "packetization-mode": "0",  // RFC 6184 §8.1
        "profile-level-id": "420010",  // RFC 6184 §8.1: Baseline, level 1.0
        "profile-id": "0",  // RFC 9628 §6 (VP9)
        "profile": "0",  // AV1 RTP payload spec §7.2.1
    ]

    /// Whether an offered format (its rtpmap and fmtp) is this codec.
    public func matches(_ rtpMap: RTPMap, _ fmtp: FormatParameters?) -> Bool {
        guard rtpMap.encodingName.lowercased() == name.lowercased(), rtpMap.clockRate == clockRate else {
            return false
        }
        // Opus is always signalled /2 (RFC 7587 §7); a missing channel count means 1 (RFC 8866 §6.6).
        if (rtpMap.channels ?? 1) != (channels ?? 1) { return false }
        for (key, required) in requiredFmtp {
            guard let offered = fmtp?.value(for: key) ?? Self.fmtpDefaults[key.lowercased()] else { return false }
            if key.lowercased() == "profile-level-id" {
                guard H264Profile.sameProfile(offered, required) else { return false }
            } else if offered.lowercased() != required.lowercased() {
                return false
            }
        }
        return true
    }
}

/// H.264 `profile-level-id` = profile_idc, profile-iop (constraint flags), level_idc as 6 hex
/// digits (RFC 6184 §8.1).
enum H264Profile {
    static func parse(_ text: String) -> (profile: UInt8, constraints: UInt8, level: UInt8)? {
        guard text.count == 6, let value = UInt32(text, radix: 16) else { return nil }
        return (UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }

    /// Same profile_idc and constraint flags; the level may differ.
    static func sameProfile(_ a: String, _ b: String) -> Bool {
        guard let a = parse(a), let b = parse(b) else { return false }
        return a.profile == b.profile && a.constraints == b.constraints
    }
}
