import Foundation
import SDP
import XCTest

enum Fixture: String, CaseIterable {
    case chromeWHIP = "chrome-whip-offer"
    case chromeWHEP = "chrome-whep-offer"
    case firefoxWHIP = "firefox-whip-offer"
    case aiortcWHIP = "aiortc-whip-offer"
    case gstreamerWHIP = "gstreamer-whip-offer"
    case h264MainOnly = "h264-main-only-offer"

    var text: String {
        get throws {
            let url = try XCTUnwrap(
                Bundle.module.url(forResource: rawValue, withExtension: "sdp", subdirectory: "Fixtures"),
                "missing fixture \(rawValue).sdp")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    var offer: SessionDescription {
        get throws { try SessionDescription.parse(text) }
    }
}

/// The SFU's side of every negotiation in these tests.
enum Server {
    static let ufrag = "sfu1Abcd"
    static let pwd = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"
    static let fingerprint = (0..<32).map { String(format: "%02X", $0 &* 7 &+ 3) }.joined(separator: ":")
    static let candidates = [
        ICECandidate.host(foundation: "udp4", address: "198.51.100.10", port: 3478),
        ICECandidate.host(foundation: "tcp4", address: "198.51.100.10", port: 3478, tcp: true),
    ]

    static func whip() -> AnswerOptions {
        AnswerOptions(
            iceUfrag: ufrag, icePwd: pwd, fingerprintSHA256: fingerprint, candidates: candidates,
            direction: .recvonly, sessionID: 42)
    }

    static let audioTrack = OutgoingTrack(ssrc: 1111, cname: "cascade", streamID: "room-1", trackID: "audio-1")
    static let videoTrack = OutgoingTrack(ssrc: 2222, rtxSSRC: 3333, cname: "cascade", streamID: "room-1", trackID: "video-1")

    static func whep() -> AnswerOptions {
        AnswerOptions(
            iceUfrag: ufrag, icePwd: pwd, fingerprintSHA256: fingerprint, candidates: candidates,
            direction: .sendonly, outgoingTracks: ["audio": audioTrack, "video": videoTrack], sessionID: 43)
    }
}

extension MediaDescription {
    /// The `a=` lines as text, for assertions.
    var lines: [String] { attributes.map { "a=\($0)" } }
}
