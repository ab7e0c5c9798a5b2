import XCTest
import SRTP

final class SRTPSessionTests: XCTestCase {
    // libsrtp's srtp_validate vectors (test/srtp_driver.c): AES_CM_128_HMAC_SHA1_80 with the
    // RFC 3711 Appendix B.2 master key/salt, and AEAD_AES_128_GCM (RFC 7714) with key 00..0f.
    let rtpPlain: [UInt8] = [0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe]
        + [UInt8](repeating: 0xab, count: 16)
    let rtcpPlain: [UInt8] = [0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe] + [UInt8](repeating: 0xab, count: 16)

    func knownAnswerSession(_ profile: SRTPProfile) throws -> SRTPSession {
        let key: [UInt8]
        let salt: [UInt8]
        switch profile {
        case .aes128CMHMACSHA1_80:
            key = [0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39]
            salt = [0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6]
        case .aeadAES128GCM:
            key = Array(0x00...0x0f)
            salt = Array(0xa0...0xab)
        }
        return try SRTPSession(keying: SRTPKeyingMaterial(profile: profile, localMasterKey: key, localMasterSalt: salt,
                                                          remoteMasterKey: key, remoteMasterSalt: salt))
    }

    func testAESCMKnownAnswer() throws {
        let session = try knownAnswerSession(.aes128CMHMACSHA1_80)
        let srtp: [UInt8] = [0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,
                             0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15,
                             0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb]
        XCTAssertEqual(try session.protectRTP(rtpPlain), srtp)
        XCTAssertEqual(try session.unprotectRTP(srtp), rtpPlain)
        let srtcp: [UInt8] = [0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b,
                              0xe4, 0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8,
                              0x80, 0x00, 0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98]
        XCTAssertEqual(try session.protectRTCP(rtcpPlain), srtcp)
        XCTAssertEqual(try session.unprotectRTCP(srtcp), rtcpPlain)
    }

    func testAEADGCMKnownAnswer() throws {
        let session = try knownAnswerSession(.aeadAES128GCM)
        let srtp: [UInt8] = [0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,
                             0xc5, 0x00, 0x2e, 0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0,
                             0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97, 0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01,
                             0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92]
        XCTAssertEqual(try session.protectRTP(rtpPlain), srtp)
        XCTAssertEqual(try session.unprotectRTP(srtp), rtpPlain)
        let srtcp: [UInt8] = [0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d,
                              0xf0, 0x39, 0x2a, 0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25,
                              0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3, 0xb4, 0x46, 0xea, 0x31, 0x12, 0x3b,
                              0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01]
        XCTAssertEqual(try session.protectRTCP(rtcpPlain), srtcp)
        XCTAssertEqual(try session.unprotectRTCP(srtcp), rtcpPlain)
    }

    // MARK: - Round trips between two sides with mirrored keys

    func makePair(_ profile: SRTPProfile) throws -> (sender: SRTPSession, receiver: SRTPSession) {
        let keying = SRTPKeyingMaterial(
            profile: profile,
            localMasterKey: (0..<16).map { UInt8($0) }, localMasterSalt: (0..<profile.masterSaltLength).map { UInt8(0x40 + $0) },
            remoteMasterKey: (0..<16).map { UInt8(0x80 + $0) }, remoteMasterSalt: (0..<profile.masterSaltLength).map { UInt8(0xC0 + $0) })
        return (try SRTPSession(keying: keying), try SRTPSession(keying: keying.mirrored))
    }

    func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 100) -> [UInt8] {
        var packet: [UInt8] = [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0x10, 0,
                               UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
        packet += (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(sequence)) }
        return packet
    }

    /// An RTCP receiver report with one report block (RFC 3550 §6.4.2).
    func rtcpReceiverReport() -> [UInt8] {
        [0x81, 201, 0x00, 0x07, 0xCA, 0xFE, 0xBA, 0xBE] + [0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0x11, count: 20)
    }

    func testRoundTripBothProfiles() throws {
        for profile in SRTPProfile.allCases {
            let (sender, receiver) = try makePair(profile)
            for sequence in UInt16(1000)..<1010 {
                let plain = rtp(sequence: sequence)
                let protected = try sender.protectRTP(plain)
                XCTAssertNotEqual(protected, plain, "\(profile)")
                XCTAssertEqual(protected.count, plain.count + (profile == .aeadAES128GCM ? 16 : 10), "\(profile)")
                XCTAssertEqual(try receiver.unprotectRTP(protected), plain, "\(profile)")
            }
            let report = rtcpReceiverReport()
            let protectedReport = try sender.protectRTCP(report)
            XCTAssertEqual(try receiver.unprotectRTCP(protectedReport), report, "\(profile)")
            // And the other direction uses the other key.
            let back = rtp(sequence: 5000, ssrc: 0xCAFE)
            XCTAssertEqual(try sender.unprotectRTP(receiver.protectRTP(back)), back, "\(profile)")
        }
    }

    func testInPlaceHotPathAPI() throws {
        let (sender, receiver) = try makePair(.aeadAES128GCM)
        let plain = rtp(sequence: 2000, payloadLength: 1100)
        var buffer = [UInt8](repeating: 0, count: 1500)
        buffer.replaceSubrange(0..<plain.count, with: plain)
        let protectedLength = try buffer.withUnsafeMutableBytes {
            try sender.protectRTP($0.baseAddress!, length: plain.count, capacity: $0.count)
        }
        XCTAssertEqual(protectedLength, plain.count + 16)
        let plainLength = try buffer.withUnsafeMutableBytes {
            try receiver.unprotectRTP($0.baseAddress!, length: protectedLength)
        }
        XCTAssertEqual(Array(buffer[0..<plainLength]), plain)

        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes {
            try sender.protectRTP($0.baseAddress!, length: plain.count, capacity: plain.count + 4)
        }) { XCTAssertEqual($0 as? SRTPError, .insufficientCapacity) }
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes {
            try receiver.unprotectRTP($0.baseAddress!, length: 5)
        }) { XCTAssertEqual($0 as? SRTPError, .invalidPacketLength) }
    }

    func testTamperedPacketFailsAuthentication() throws {
        for profile in SRTPProfile.allCases {
            let (sender, receiver) = try makePair(profile)
            var protected = try sender.protectRTP(rtp(sequence: 3000))
            protected[20] ^= 0x01
            XCTAssertThrowsError(try receiver.unprotectRTP(protected)) {
                XCTAssertEqual($0 as? SRTPError, .authenticationFailed, "\(profile)")
            }
            var protectedReport = try sender.protectRTCP(rtcpReceiverReport())
            protectedReport[10] ^= 0x80
            XCTAssertThrowsError(try receiver.unprotectRTCP(protectedReport)) {
                XCTAssertEqual($0 as? SRTPError, .authenticationFailed, "\(profile)")
            }
        }
    }

    func testWrongKeyFailsAuthentication() throws {
        let (sender, _) = try makePair(.aes128CMHMACSHA1_80)
        let (_, stranger) = try makePair(.aes128CMHMACSHA1_80)
        let other = try SRTPSession(keying: SRTPKeyingMaterial(
            profile: .aes128CMHMACSHA1_80, localMasterKey: [UInt8](repeating: 9, count: 16),
            localMasterSalt: [UInt8](repeating: 9, count: 14), remoteMasterKey: [UInt8](repeating: 7, count: 16),
            remoteMasterSalt: [UInt8](repeating: 7, count: 14)))
        let protected = try sender.protectRTP(rtp(sequence: 10))
        XCTAssertNoThrow(try stranger.unprotectRTP(protected))  // same keys, separate instance
        XCTAssertThrowsError(try other.unprotectRTP(protected)) {
            XCTAssertEqual($0 as? SRTPError, .authenticationFailed)
        }
    }

    func testReplayedPacketIsRejected() throws {
        for profile in SRTPProfile.allCases {
            let (sender, receiver) = try makePair(profile)
            let protected = try sender.protectRTP(rtp(sequence: 4000))
            XCTAssertNoThrow(try receiver.unprotectRTP(protected))
            XCTAssertThrowsError(try receiver.unprotectRTP(protected)) {
                XCTAssertEqual($0 as? SRTPError, .replay, "\(profile)")
            }
            let protectedReport = try sender.protectRTCP(rtcpReceiverReport())
            XCTAssertNoThrow(try receiver.unprotectRTCP(protectedReport))
            XCTAssertThrowsError(try receiver.unprotectRTCP(protectedReport)) {
                XCTAssertEqual($0 as? SRTPError, .replay, "\(profile)")
            }
        }
    }

    func testReorderedWithinWindowAcceptedAndRetransmitAllowed() throws {
        let (sender, receiver) = try makePair(.aeadAES128GCM)
        let packets = try (UInt16(1000)..<1600).map { try sender.protectRTP(rtp(sequence: $0)) }
        // Deliver newest first, then one 599 packets older: inside the 1024-packet window.
        XCTAssertNoThrow(try receiver.unprotectRTP(packets[599]))
        XCTAssertNoThrow(try receiver.unprotectRTP(packets[0]))
        // allow_repeat_tx: protecting the same sequence number again is allowed (NACK resend).
        XCTAssertNoThrow(try sender.protectRTP(rtp(sequence: 1000)))
    }

    func testInvalidKeyLengthThrows() {
        XCTAssertThrowsError(try SRTPSession(keying: SRTPKeyingMaterial(
            profile: .aeadAES128GCM, localMasterKey: [1, 2, 3], localMasterSalt: [UInt8](repeating: 0, count: 12),
            remoteMasterKey: [UInt8](repeating: 0, count: 16), remoteMasterSalt: [UInt8](repeating: 0, count: 12)))) {
            XCTAssertEqual($0 as? SRTPError, .invalidKeyLength)
        }
    }

    func testGarbageNeverCrashes() throws {
        let (_, receiver) = try makePair(.aes128CMHMACSHA1_80)
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? receiver.unprotectRTP(bytes)
            _ = try? receiver.unprotectRTCP(bytes)
        }
    }
}

/// A tiny deterministic generator so fuzz-style tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
