import RTP
import SDP
import SFU

/// What the SFU lets a client negotiate, decided from values only (no sockets, no rooms): the
/// codecs a publisher may send, the subset a subscriber may receive of a publication, and the
/// track codecs and header extension ids that come out of an accepted m-section.
extension MediaCapabilities {
    /// What a subscriber may negotiate: exactly the publication's codecs (an SFU forwards, it does
    /// not transcode), with the feedback a subscriber's side implements — NACK, PLI, FIR; no
    /// congestion feedback (we do not run send-side estimation toward subscribers).
    ///
    /// - Parameter sources: the publication's track codecs (one per kind at most).
    public static func forwarding(_ sources: [TrackCodec], from base: MediaCapabilities = .sfuDefault) -> MediaCapabilities {
        func restrict(_ kind: SFU.MediaKind, _ candidates: [CodecCapability]) -> [CodecCapability] {
            guard let source = sources.first(where: { $0.kind == kind }) else { return [] }
            return candidates.filter { Self.forwards(source, as: $0) }.map { capability in
                var capability = capability
                capability.feedback = capability.feedback.filter { $0 != "transport-cc" && $0 != "goog-remb" }
                return capability
            }
        }
        return MediaCapabilities(
            audio: restrict(.audio, base.audio), video: restrict(.video, base.video),
            headerExtensions: base.headerExtensions.filter { $0 != RTPHeaderExtensionURI.transportWideCC.rawValue })
    }

    /// Whether packets of `source` can go to a subscriber who negotiated `capability` unchanged.
    static func forwards(_ source: TrackCodec, as capability: CodecCapability) -> Bool {
        guard capability.name.lowercased() == source.name.lowercased(), capability.clockRate == source.clockRate else {
            return false
        }
        guard source.name.lowercased() == "h264" else { return true }
        // RFC 6184 §8.1: the same profile (profile_idc + constraint flags); the level may differ.
        // Absent parameters take their defaults: profile-level-id 420010, packetization-mode 0.
        let sourceFmtp = FmtpParameters(source.fmtp)
        let wanted = sourceFmtp["profile-level-id"]?.prefix(4).lowercased() ?? "4200"
        let offered = capability.requiredFmtp["profile-level-id"]?.prefix(4).lowercased() ?? "4200"
        return wanted == offered
            && (sourceFmtp["packetization-mode"] ?? "0") == (capability.requiredFmtp["packetization-mode"] ?? "0")
    }
}

extension TrackCodec {
    /// The codec of an accepted m-section, with the client's payload types.
    public init(_ media: NegotiatedMedia, _ codec: NegotiatedCodec) {
        self.init(kind: media.kind == .audio ? .audio : .video, name: codec.name, clockRate: codec.clockRate,
                  channels: codec.channels, payloadType: codec.payloadType, rtxPayloadType: media.rtxPayloadType,
                  fmtp: codec.fmtp)
    }
}

extension ExtensionIDs {
    /// The ids a client negotiated for the header extensions the SFU reads or writes.
    public init(_ extensions: [String: UInt8]) {
        self.init(mid: extensions[RTPHeaderExtensionURI.mid.rawValue],
                  absSendTime: extensions[RTPHeaderExtensionURI.absSendTime.rawValue],
                  transportWideSequence: extensions[RTPHeaderExtensionURI.transportWideCC.rawValue],
                  audioLevel: extensions[RTPHeaderExtensionURI.audioLevel.rawValue])
    }
}

/// `a=fmtp` parameters as a dictionary (`key=value;key=value`, keys case-insensitive).
public struct FmtpParameters: Sendable, Equatable {
    private var values: [String: String] = [:]

    public init(_ text: String?) {
        for pair in (text ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            values[Self.trimmed(parts[0]).lowercased()] = Self.trimmed(parts[1])
        }
    }

    public subscript(key: String) -> String? { values[key.lowercased()] }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
