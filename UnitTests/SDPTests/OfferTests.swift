import SDP
import XCTest

final class OfferTests: XCTestCase {
    private let clientFingerprint = (0..<32).map { String(format: "%02x", 255 - $0) }.joined(separator: ":")
    private let clientTracks: [MediaKind: OutgoingTrack] = [
        .audio: OutgoingTrack(ssrc: 501, cname: "bench", streamID: "s", trackID: "a"),
        .video: OutgoingTrack(ssrc: 502, rtxSSRC: 503, cname: "bench", streamID: "s", trackID: "v"),
    ]

    private func publishOffer() -> SessionDescription {
        makeOffer(options: OfferOptions(
            iceUfrag: "cli1", icePwd: "ClientPassword1234567890", fingerprintSHA256: clientFingerprint,
            candidates: [.host(foundation: "1", address: "10.0.0.2", port: 50000)], direction: .sendonly,
            outgoingTracks: clientTracks, sessionID: 7))
    }

    func testOfferShape() throws {
        let offer = publishOffer()
        let text = offer.serialized()
        XCTAssertEqual(try SessionDescription.parse(text), offer)
        XCTAssertEqual(offer.bundleGroup?.mids, ["0", "1"])
        XCTAssertFalse(offer.iceLite)
        var seenPayloadTypes = Set<UInt8>()
        for section in offer.media {
            XCTAssertEqual(section.setup, .actpass)
            XCTAssertTrue(section.rtcpMux)
            XCTAssertTrue(section.rtcpReducedSize)
            XCTAssertEqual(section.direction, .sendonly)
            XCTAssertEqual(section.port, 50000)
            XCTAssertEqual(section.fingerprints.first?.value, clientFingerprint.uppercased())
            for pt in section.payloadTypes {
                XCTAssertTrue(seenPayloadTypes.insert(pt).inserted, "PT \(pt) reused across the bundle")
                XCTAssertNotNil(section.rtpMap(for: pt))
            }
        }
        let audio = offer.media[0]
        let video = offer.media[1]
        XCTAssertEqual(audio.extensionMaps.map(\.id), [1, 2, 3, 4])
        XCTAssertEqual(video.extensionMaps.map(\.id), [1, 2, 3], "audio level is audio-only; ids agree across sections")
        XCTAssertEqual(audio.rtpMaps.map(\.encodingName), ["opus"])
        XCTAssertEqual(video.rtpMaps.filter { $0.encodingName != "rtx" }.map(\.encodingName), ["VP8", "VP9", "H264", "H264", "H264", "H264", "AV1"])
        XCTAssertEqual(video.ssrcPairs, [SSRCPair(primary: 502, rtx: 503)])
        XCTAssertEqual(video.msids, [MSID(streamID: "s", trackID: "v")])
        XCTAssertEqual(video.rtxPayloadType(for: 97), 98)
    }

    /// Our client publishes to our SFU: makeOffer → makeAnswer → acceptAnswer.
    func testPublishRoundTripThroughTheSFU() throws {
        let offer = publishOffer()
        let sfu = try makeAnswer(to: try SessionDescription.parse(offer.serialized()), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(sfu.media.map { $0.codec?.name }, ["opus", "VP8"])
        XCTAssertEqual(sfu.media[1].remoteSSRCs, [SSRCPair(primary: 502, rtx: 503)])

        let answer = try SessionDescription.parse(sfu.answer.serialized())
        let client = try acceptAnswer(answer, to: offer)
        XCTAssertEqual(client.dtlsRole, .client)
        XCTAssertEqual(client.remote.iceUfrag, Server.ufrag)
        XCTAssertEqual(client.remote.icePwd, Server.pwd)
        XCTAssertTrue(client.remote.iceLite)
        XCTAssertEqual(client.remote.candidates, Server.candidates)
        XCTAssertTrue(client.remote.endOfCandidates)
        XCTAssertEqual(client.remote.fingerprints, [Fingerprint(algorithm: "sha-256", value: Server.fingerprint)])
        XCTAssertEqual(client.bundleMids, ["0", "1"])
        XCTAssertEqual(client.media.map { $0.codec?.payloadType }, sfu.media.map { $0.codec?.payloadType })
        XCTAssertEqual(client.media.map(\.rtxPayloadType), [nil, 97 + 1])
        XCTAssertEqual(client.media.map(\.direction), [.sendonly, .sendonly])
        XCTAssertEqual(client.media[1].extensions, sfu.media[1].extensions)
        XCTAssertEqual(client.media[1].codec?.feedback, ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"])
    }

    /// Our client subscribes: recvonly offer, the SFU answers sendonly with its SSRCs.
    func testSubscribeRoundTripThroughTheSFU() throws {
        let offer = makeOffer(options: OfferOptions(
            iceUfrag: "cli2", icePwd: "ClientPassword1234567890", fingerprintSHA256: clientFingerprint, direction: .recvonly))
        XCTAssertEqual(offer.media.map(\.port), [9, 9])
        XCTAssertTrue(offer.media.allSatisfy { $0.ssrcAttributes.isEmpty && $0.direction == .recvonly })
        let sfu = try makeAnswer(to: offer, capabilities: .sfuDefault, options: Server.whep())
        let client = try acceptAnswer(sfu.answer, to: offer)
        XCTAssertEqual(client.media.map(\.direction), [.recvonly, .recvonly])
        XCTAssertEqual(client.media[0].remoteSSRCs, [SSRCPair(primary: 1111)])
        XCTAssertEqual(client.media[1].remoteSSRCs, [SSRCPair(primary: 2222, rtx: 3333)])
        XCTAssertEqual(client.media[1].remoteMSID, MSID(streamID: "room-1", trackID: "video-1"))
        XCTAssertEqual(client.media[1].remoteCNAME, "cascade")
    }

    func testAcceptAnswerErrors() throws {
        let offer = publishOffer()
        let answer = try makeAnswer(to: offer, capabilities: .sfuDefault, options: Server.whip()).answer

        var short = answer
        short.media.removeLast()
        XCTAssertThrowsError(try acceptAnswer(short, to: offer)) {
            guard case .malformed = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
        var unbundled = answer
        unbundled.attributes.removeAll { $0.name == "group" }
        XCTAssertThrowsError(try acceptAnswer(unbundled, to: offer)) {
            XCTAssertEqual($0 as? NegotiationError, .bundleRequired)
        }
        let actpass = try SessionDescription.parse(
            answer.serialized().replacingOccurrences(of: "a=setup:passive", with: "a=setup:actpass"))
        XCTAssertThrowsError(try acceptAnswer(actpass, to: offer)) {
            guard case .malformed = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
        let foreignPT = try SessionDescription.parse(
            answer.serialized().replacingOccurrences(of: "m=audio 3478 UDP/TLS/RTP/SAVPF 96", with: "m=audio 3478 UDP/TLS/RTP/SAVPF 0"))
        XCTAssertThrowsError(try acceptAnswer(foreignPT, to: offer)) {
            XCTAssertEqual($0 as? NegotiationError, .noCommonCodec(.audio))
        }
        let active = try SessionDescription.parse(
            answer.serialized().replacingOccurrences(of: "a=setup:passive", with: "a=setup:active"))
        XCTAssertEqual(try acceptAnswer(active, to: offer).dtlsRole, .server)
    }
}
