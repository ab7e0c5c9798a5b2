import Negotiation
import RTP
import SDP
import SFU
import XCTest

final class ForwardingPolicyTests: XCTestCase {
    let opus = TrackCodec(kind: .audio, name: "opus", clockRate: 48_000, channels: 2, payloadType: 111)
    let vp8 = TrackCodec(kind: .video, name: "VP8", clockRate: 90_000, payloadType: 96)

    func h264(_ fmtp: String?) -> TrackCodec {
        TrackCodec(kind: .video, name: "H264", clockRate: 90_000, payloadType: 102, fmtp: fmtp)
    }

    func profiles(_ capabilities: MediaCapabilities) -> [String] {
        capabilities.video.map { "\($0.name) \($0.requiredFmtp["profile-level-id"] ?? "")".trimmingCharacters(in: .whitespaces) }
    }

    func testASubscriberMayReceiveExactlyThePublicationsCodecs() {
        let capabilities = MediaCapabilities.forwarding([opus, vp8])
        XCTAssertEqual(capabilities.audio.map(\.name), ["opus"])
        XCTAssertEqual(capabilities.video.map(\.name), ["VP8"])
        XCTAssertTrue(MediaCapabilities.forwarding([opus]).video.isEmpty, "no video published, none to receive")
    }

    func testCongestionFeedbackIsNotOfferedToSubscribers() {
        let capabilities = MediaCapabilities.forwarding([opus, vp8])
        for codec in capabilities.audio + capabilities.video {
            XCTAssertFalse(codec.feedback.contains("transport-cc"), codec.name)
            XCTAssertFalse(codec.feedback.contains("goog-remb"), codec.name)
        }
        XCTAssertTrue(capabilities.video[0].feedback.contains("nack pli"))
        XCTAssertFalse(capabilities.headerExtensions.contains(RTPHeaderExtensionURI.transportWideCC.rawValue))
        XCTAssertTrue(capabilities.headerExtensions.contains(RTPHeaderExtensionURI.mid.rawValue))
    }

    /// RFC 6184 §8.1: the same profile_idc and constraint flags; the level may differ.
    func testH264MatchesOnProfileNotLevel() {
        XCTAssertEqual(profiles(.forwarding([h264("profile-level-id=42e01f;packetization-mode=1")])), ["H264 42e01f"])
        XCTAssertEqual(profiles(.forwarding([h264("packetization-mode=1;profile-level-id=42E034")])), ["H264 42e01f"],
                       "level 5.2 publishes to a level 3.1 capability of the same profile; hex case does not matter")
        XCTAssertEqual(profiles(.forwarding([h264("profile-level-id=640c1f;packetization-mode=1")])), ["H264 640c1f"])
        XCTAssertEqual(profiles(.forwarding([h264("profile-level-id=4d001f;packetization-mode=1")])), ["H264 4d001f"])
    }

    func testH264PacketizationModeMustMatchAndDefaultsApply() {
        XCTAssertEqual(profiles(.forwarding([h264("profile-level-id=42e01f")])), [],
                       "packetization-mode 0 (absent) cannot go to a mode-1 subscriber")
        XCTAssertEqual(profiles(.forwarding([h264(nil)])), [], "no fmtp: 420010 mode 0, which we do not offer")
    }

    func testFmtpParametersAreReadCaseInsensitivelyWithSpaces() {
        let fmtp = FmtpParameters(" profile-level-id = 42e01f ;Packetization-Mode=1; level-asymmetry-allowed=1;junk")
        XCTAssertEqual(fmtp["profile-level-id"], "42e01f")
        XCTAssertEqual(fmtp["packetization-mode"], "1")
        XCTAssertEqual(fmtp["LEVEL-ASYMMETRY-ALLOWED"], "1")
        XCTAssertNil(fmtp["junk"])
        XCTAssertNil(FmtpParameters(nil)["x"])
    }
}

final class PublishRulesTests: XCTestCase {
    func media(_ kind: SDP.MediaKind, _ index: Int, direction: MediaDirection = .recvonly) -> NegotiatedMedia {
        NegotiatedMedia(index: index, mid: "\(index)", kind: kind, codec: nil, rtxPayloadType: nil, extensions: [:],
                        remoteSSRCs: [], remoteCNAME: nil, remoteMSID: nil, remoteRIDs: [], direction: direction,
                        rejected: false)
    }

    /// A recvonly (or inactive) WHIP offer is answered inactive: nothing would ever arrive.
    func testEveryTrackMustBeSentByTheClient() {
        XCTAssertNotNil(PublishRules.refusal(of: [media(.audio, 0), media(.video, 1, direction: .inactive)]))
        XCTAssertNotNil(PublishRules.refusal(of: [media(.video, 0, direction: .sendonly)]))
        XCTAssertNil(PublishRules.refusal(of: [media(.video, 0, direction: .sendrecv)]))
    }

    /// RFC 9725 §4.2: one audio and one video track at most, and something to publish.
    func testOneAudioAndOneVideoAtMost() {
        XCTAssertNil(PublishRules.refusal(of: [media(.audio, 0), media(.video, 1)]))
        XCTAssertNil(PublishRules.refusal(of: [media(.video, 0)]))
        XCTAssertNotNil(PublishRules.refusal(of: []))
        XCTAssertNotNil(PublishRules.refusal(of: [media(.video, 0), media(.video, 1)]))
        XCTAssertNotNil(PublishRules.refusal(of: [media(.audio, 0), media(.audio, 1), media(.video, 2)]))
    }
}
