import SDP

/// What WHIP asks of a publish offer once it is negotiated (RFC 9725 §4.2): something to
/// publish, every track sent by the client, and at most one audio and one video track.
public enum PublishRules {
    /// Why the accepted m-sections cannot be one publication, or nil when they can.
    public static func refusal(of accepted: [NegotiatedMedia]) -> String? {
        guard !accepted.isEmpty else { return "the offer has no media to publish" }
        // Our answer mirrors the offer (RFC 3264 §6.1): a recvonly or inactive offer leaves us
        // receiving nothing, a publication that could never carry media.
        if let silent = accepted.first(where: { !$0.direction.receives }) {
            return "m-section \(silent.mid) of a WHIP offer must send media (sendonly or sendrecv), not receive only"
        }
        guard accepted.filter({ $0.kind == .audio }).count <= 1, accepted.filter({ $0.kind == .video }).count <= 1 else {
            return "WHIP takes at most one audio and one video track"
        }
        return nil
    }
}
