/// Candidate and pair priorities (RFC 8445 §5.1.2, §6.1.2.3).
public enum ICEPriority {
    /// RFC 8445 §5.1.2.2 recommended type preferences.
    public enum CandidateType: UInt32, Sendable {
        case host = 126
        case peerReflexive = 110
        case serverReflexive = 100
        case relayed = 0
    }

    /// RFC 8445 §5.1.2.1: 2^24·type + 2^8·local + (256 − component).
    public static func candidate(type: CandidateType, localPreference: UInt16 = 65535, component: UInt8 = 1) -> UInt32 {
        (type.rawValue << 24) | (UInt32(localPreference) << 8) | (256 - UInt32(max(component, 1)))
    }

    /// RFC 8445 §6.1.2.3: 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0), G = controlling side's.
    public static func pair(controlling: UInt32, controlled: UInt32) -> UInt64 {
        let g = UInt64(controlling)
        let d = UInt64(controlled)
        return (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
    }
}
