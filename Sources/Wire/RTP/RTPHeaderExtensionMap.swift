// Header extension IDs ↔ URIs, as negotiated by `a=extmap` (RFC 8285 §5, §8).
// IDs differ per client (mid is 1 in aiortc, 4 in Chrome; TWCC 3 in Chrome, 7 in Firefox), so the
// SFU keeps one map per peer and restamps extensions with the subscriber's IDs when forwarding.

/// A header extension URI. Known ones are constants; any other URI is carried as-is.
public struct RTPHeaderExtensionURI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// RFC 9143 §15: the m-section's mid, as a string.
    public static let mid = RTPHeaderExtensionURI("urn:ietf:params:rtp-hdrext:sdes:mid")
    /// RFC 8852 §3.1: the simulcast layer's rid.
    public static let rtpStreamID = RTPHeaderExtensionURI("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")
    /// RFC 8852 §3.2: the rid of the stream an RTX stream repairs.
    public static let repairedRTPStreamID =
        RTPHeaderExtensionURI("urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id")
    /// 24-bit 6.18 fixed-point send time (webrtc.org abs-send-time), used by REMB.
    public static let absSendTime = RTPHeaderExtensionURI("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time")
    /// 16-bit transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    public static let transportWideCC =
        RTPHeaderExtensionURI("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01")
    /// RFC 6464: client-to-mixer audio level (V bit + 7-bit -dBov).
    public static let audioLevel = RTPHeaderExtensionURI("urn:ietf:params:rtp-hdrext:ssrc-audio-level")
}

/// The extension IDs negotiated with one peer. IDs are 1...14 for the one-byte form and
/// 1...255 for the two-byte form (RFC 8285 §4.2, §4.3; 0 is padding, 15 reserved in one-byte).
public struct RTPHeaderExtensionMap: Sendable, Equatable {
    private var uriByID: [UInt8: RTPHeaderExtensionURI] = [:]

    // Cached IDs of the URIs the forwarding path needs, so it never hashes strings per packet.
    public private(set) var midID: UInt8?
    public private(set) var rtpStreamID: UInt8?
    public private(set) var repairedRTPStreamID: UInt8?
    public private(set) var absSendTimeID: UInt8?
    public private(set) var transportWideCCID: UInt8?
    public private(set) var audioLevelID: UInt8?

    public init() {}

    public init(_ entries: [(id: UInt8, uri: RTPHeaderExtensionURI)]) {
        for entry in entries { register(id: entry.id, uri: entry.uri) }
    }

    /// Registers `uri` under `id`, replacing whatever used `id` or `uri` before.
    /// Returns false (and changes nothing) for id 0 (padding, never an element id).
    @discardableResult
    public mutating func register(id: UInt8, uri: RTPHeaderExtensionURI) -> Bool {
        guard id != 0 else { return false }
        if let old = uriByID[id] { setCachedID(nil, for: old) }
        if let oldID = self.id(for: uri) { uriByID[oldID] = nil }
        uriByID[id] = uri
        setCachedID(id, for: uri)
        return true
    }

    public mutating func remove(id: UInt8) {
        guard let uri = uriByID.removeValue(forKey: id) else { return }
        setCachedID(nil, for: uri)
    }

    public func uri(for id: UInt8) -> RTPHeaderExtensionURI? { uriByID[id] }

    public func id(for uri: RTPHeaderExtensionURI) -> UInt8? {
        switch uri {
        case .mid: return midID
        case .rtpStreamID: return rtpStreamID
        case .repairedRTPStreamID: return repairedRTPStreamID
        case .absSendTime: return absSendTimeID
        case .transportWideCC: return transportWideCCID
        case .audioLevel: return audioLevelID
        default: return uriByID.first(where: { $0.value == uri })?.key
        }
    }

    /// All (id, uri) pairs, sorted by id.
    public var entries: [(id: UInt8, uri: RTPHeaderExtensionURI)] {
        uriByID.sorted { $0.key < $1.key }.map { (id: $0.key, uri: $0.value) }
    }

    /// True if every id fits the one-byte form (1...14); otherwise two-byte headers are
    /// needed, which require `a=extmap-allow-mixed` (RFC 8285 §6).
    public var fitsOneByteForm: Bool { uriByID.keys.allSatisfy { $0 <= 14 } }

    private mutating func setCachedID(_ id: UInt8?, for uri: RTPHeaderExtensionURI) {
        switch uri {
        case .mid: midID = id
        case .rtpStreamID: rtpStreamID = id
        case .repairedRTPStreamID: repairedRTPStreamID = id
        case .absSendTime: absSendTimeID = id
        case .transportWideCC: transportWideCCID = id
        case .audioLevel: audioLevelID = id
        default: break
        }
    }
}
