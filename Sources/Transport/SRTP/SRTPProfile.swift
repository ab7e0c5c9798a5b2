/// The SRTP protection profiles Cascade negotiates through DTLS-SRTP `use_srtp` (RFC 5764 §4.1.2).
///
/// Listed in preference order: AEAD-GCM first because it is the cheaper of the two per packet
/// (one AES-GCM pass with AES-NI, against AES-CTR plus HMAC-SHA1), AES-CM/HMAC-SHA1-80 second
/// because GStreamer's webrtcbin offers nothing else.
public enum SRTPProfile: UInt16, Sendable, Hashable, CaseIterable {
    /// SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2), DTLS-SRTP profile id 0x0007.
    case aeadAES128GCM = 0x0007
    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2), DTLS-SRTP profile id 0x0001.
    case aes128CMHMACSHA1_80 = 0x0001

    /// Master key length in bytes (both profiles use AES-128).
    public var masterKeyLength: Int { 16 }

    /// Master salt length in bytes: 96 bits for GCM (RFC 7714 §12), 112 bits for AES-CM (RFC 3711 §8.2).
    public var masterSaltLength: Int {
        switch self {
        case .aeadAES128GCM: 12
        case .aes128CMHMACSHA1_80: 14
        }
    }

    /// The OpenSSL `use_srtp` name of the profile.
    public var openSSLName: String {
        switch self {
        case .aeadAES128GCM: "SRTP_AEAD_AES_128_GCM"
        case .aes128CMHMACSHA1_80: "SRTP_AES128_CM_SHA1_80"
        }
    }
}

/// Keys exported from a DTLS-SRTP handshake (RFC 5764 §4.2), already mapped to this side:
/// `local*` protects what we send, `remote*` unprotects what we receive.
public struct SRTPKeyingMaterial: Sendable, Hashable {
    public var profile: SRTPProfile
    public var localMasterKey: [UInt8]
    public var localMasterSalt: [UInt8]
    public var remoteMasterKey: [UInt8]
    public var remoteMasterSalt: [UInt8]

    public init(profile: SRTPProfile, localMasterKey: [UInt8], localMasterSalt: [UInt8],
                remoteMasterKey: [UInt8], remoteMasterSalt: [UInt8]) {
        self.profile = profile
        self.localMasterKey = localMasterKey
        self.localMasterSalt = localMasterSalt
        self.remoteMasterKey = remoteMasterKey
        self.remoteMasterSalt = remoteMasterSalt
    }

    /// The same keys seen from the peer's side (local and remote swapped). Handy in tests.
    public var mirrored: SRTPKeyingMaterial {
        SRTPKeyingMaterial(profile: profile, localMasterKey: remoteMasterKey, localMasterSalt: remoteMasterSalt,
                           remoteMasterKey: localMasterKey, remoteMasterSalt: localMasterSalt)
    }
}
