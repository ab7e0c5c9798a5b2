import MediaAPI

/// Reads which kinds an SDP carries from its `m=` lines (RFC 8866 §5.14), enough to check the
/// publication rules of docs/signaling.md before asking the media node, and to tell others what
/// a publication holds. The media node parses the SDP for real.
enum SDPMediaKinds {
    /// Active m-sections by kind, in order. A port of 0 marks a rejected or disabled section
    /// (RFC 8866 §5.14, RFC 3264 §6).
    static func kinds(in sdp: String) -> [TrackKind] {
        var kinds: [TrackKind] = []
        for line in sdp.split(whereSeparator: \.isNewline) {
            guard line.hasPrefix("m=") else { continue }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count >= 2, let kind = TrackKind(rawValue: String(fields[0])) else { continue }
            if fields[1] == "0" { continue }
            kinds.append(kind)
        }
        return kinds
    }

    /// `camera`: at most one audio and one video section; `screen`: one video, at most one audio.
    static func check(offer: String, source: MediaSource) -> SignalingError? {
        let kinds = kinds(in: offer)
        let audio = kinds.filter { $0 == .audio }.count
        let video = kinds.filter { $0 == .video }.count
        switch source {
        case .camera:
            if audio + video == 0 { return SignalingError(.badSDP, "the offer has no audio or video section") }
            if audio > 1 || video > 1 { return SignalingError(.badSDP, "a camera publication has at most one audio and one video track") }
        case .screen:
            if video != 1 || audio > 1 { return SignalingError(.badSDP, "a screen publication has one video track and at most one audio track") }
        }
        return nil
    }

    /// The distinct kinds, audio first.
    static func distinct(_ kinds: [TrackKind]) -> [TrackKind] {
        TrackKind.allCases.filter(kinds.contains)
    }
}
