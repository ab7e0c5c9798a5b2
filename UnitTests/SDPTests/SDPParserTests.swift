import SDP
import XCTest

final class SDPParserTests: XCTestCase {
    func testEveryFixtureRoundTripsByteForByte() throws {
        for fixture in Fixture.allCases {
            let text = try fixture.text
            XCTAssertTrue(text.hasSuffix("\r\n"), "\(fixture) must be CRLF")
            let parsed = try SessionDescription.parse(text)
            XCTAssertEqual(parsed.serialized(), text, "\(fixture) did not round-trip")
            XCTAssertEqual(try SessionDescription.parse(parsed.serialized()), parsed)
        }
    }

    func testLFOnlyInputParsesAndSerializesAsCRLF() throws {
        let crlf = try Fixture.chromeWHIP.text
        let lf = crlf.replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertEqual(try SessionDescription.parse(lf).serialized(), crlf)
        // A missing final line end is fine too.
        XCTAssertEqual(try SessionDescription.parse(String(lf.dropLast())).serialized(), crlf)
    }

    func testUnknownLinesAndAttributesArePreserved() throws {
        let text = "v=0\r\no=alice 0001 02 IN IP6 ::1\r\ns=Talk\r\ni=about\r\nu=http://example.com\r\n"
            + "e=a@example.com\r\nc=IN IP4 203.0.113.1\r\nb=AS:256\r\nt=0 0\r\nr=7d 1h 0 25h\r\nk=prompt\r\n"
            + "a=x-custom:anything: goes\r\na=flag\r\nm=video 49170/2 RTP/AVP 31\r\ni=cam\r\nc=IN IP4 203.0.113.2\r\n"
            + "b=TIAS:1000\r\na=x-other\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n"
        let parsed = try SessionDescription.parse(text)
        XCTAssertEqual(parsed.serialized(), text)
        XCTAssertEqual(parsed.origin.sessionID, "0001")
        XCTAssertEqual(parsed.media[0].portCount, 2)
        XCTAssertEqual(parsed.attributes[0], SDPAttribute("x-custom", "anything: goes"))
        XCTAssertEqual(parsed.attributes[1], SDPAttribute("flag"))
        XCTAssertEqual(parsed.media[1].formats, ["webrtc-datachannel"])
    }

    func testModelOfChromeOffer() throws {
        let offer = try Fixture.chromeWHIP.offer
        XCTAssertEqual(offer.origin.sessionID, "4215775240449105457")
        XCTAssertEqual(offer.bundleGroup?.mids, ["0", "1"])
        XCTAssertEqual(offer.attributes[2], SDPAttribute("msid-semantic", " WMS 3f1c7a52-8e0d-4b6a-9d7e-2c5b8a1f0e34"))
        let audio = offer.media[0]
        let video = offer.media[1]
        XCTAssertEqual(audio.mediaKind, .audio)
        XCTAssertEqual(audio.port, 54609)
        XCTAssertEqual(audio.connection?.address, "192.168.1.42")
        XCTAssertEqual(audio.payloadTypes, [111, 63, 9, 0, 8, 13, 110, 126])
        XCTAssertEqual(audio.mid, "0")
        XCTAssertEqual(audio.direction, .sendonly)
        XCTAssertEqual(audio.iceUfrag, "Vq7s")
        XCTAssertEqual(audio.icePwd, "k3b2Ff9Xq0sLw8TnR1yZcP4e")
        XCTAssertEqual(audio.iceOptions, ["trickle"])
        XCTAssertEqual(audio.setup, .actpass)
        XCTAssertEqual(audio.fingerprints.first?.algorithm, "sha-256")
        XCTAssertEqual(audio.fingerprints.first?.bytes?.count, 32)
        XCTAssertTrue(audio.rtcpMux)
        XCTAssertFalse(audio.rtcpReducedSize)
        XCTAssertTrue(video.rtcpReducedSize)
        XCTAssertEqual(audio.rtpMap(for: 111), RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        XCTAssertEqual(audio.formatParameters(for: 111)?.value(for: "useinbandfec"), "1")
        XCTAssertEqual(audio.rtcpFeedback(for: 111), ["transport-cc"])
        XCTAssertEqual(audio.msids.first, MSID(streamID: "3f1c7a52-8e0d-4b6a-9d7e-2c5b8a1f0e34", trackID: "9b0e4d21-6c3a-47f8-b5e2-1d8c7f6a3b90"))
        XCTAssertEqual(audio.cname, "Qx3vB9k2LmZp7YtR")

        XCTAssertEqual(video.rtcpFeedback(for: 96), ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        XCTAssertEqual(video.rtxPayloadType(for: 96), 97)
        XCTAssertEqual(video.rtxPayloadType(for: 127), 125)
        XCTAssertNil(video.rtxPayloadType(for: 118))
        XCTAssertEqual(video.extensionMaps.first, ExtensionMap(id: 14, uri: "urn:ietf:params:rtp-hdrext:toffset"))
        XCTAssertEqual(video.ssrcGroups, [SSRCGroup(semantics: "FID", ssrcs: [3902651873, 1469215036])])
        XCTAssertEqual(video.ssrcPairs, [SSRCPair(primary: 3902651873, rtx: 1469215036)])
        XCTAssertEqual(video.ssrcAttributes.count, 4)
        XCTAssertEqual(video.candidates, [])
        XCTAssertEqual(offer.iceUfrag(for: video), "Vq7s")
    }

    func testCandidateGrammar() throws {
        let offer = try Fixture.chromeWHIP.offer
        let candidates = offer.media[0].candidates
        XCTAssertEqual(candidates.count, 3)
        XCTAssertEqual(candidates[0].foundation, "3348620187")
        XCTAssertEqual(candidates[0].component, 1)
        XCTAssertTrue(candidates[0].isUDP)
        XCTAssertEqual(candidates[0].priority, 2122260223)
        XCTAssertEqual(candidates[0].address, "192.168.1.42")
        XCTAssertEqual(candidates[0].port, 54609)
        XCTAssertEqual(candidates[0].type, .host)
        XCTAssertEqual(candidates[0].extensions.map(\.name), ["generation", "network-id", "network-cost"])
        XCTAssertEqual(candidates[1].tcpType, .active)
        XCTAssertEqual(candidates[1].port, 9)
        XCTAssertEqual(candidates[2].type, .serverReflexive)
        XCTAssertEqual(candidates[2].relatedAddress, "192.168.1.42")
        XCTAssertEqual(candidates[2].relatedPort, 54609)
        for candidate in candidates {
            XCTAssertEqual(ICECandidate(attributeValue: candidate.attributeValue), candidate)
        }
        // Firefox writes UDP/TCP in capitals; trickle strings carry a "candidate:" prefix.
        let firefox = try XCTUnwrap(ICECandidate(sdpString: "candidate:2 1 TCP 2105524479 192.168.1.77 9 typ host tcptype active"))
        XCTAssertTrue(firefox.isTCP)
        XCTAssertEqual(ICECandidate(sdpString: "a=candidate:0 1 UDP 2122252543 fe80::1 5000 typ host")?.address, "fe80::1")
        XCTAssertEqual(
            ICECandidate(attributeValue: "1 1 udp 2130706431 8d2a7e1c-1234.local 5000 typ host")?.address,
            "8d2a7e1c-1234.local")
        XCTAssertNil(ICECandidate(attributeValue: "1 1 udp 2130706431 10.0.0.1 5000 host"))
        XCTAssertNil(ICECandidate(attributeValue: "1 0 udp 1 10.0.0.1 5000 typ host"))
        XCTAssertNil(ICECandidate(attributeValue: "1 1 udp 99999999999 10.0.0.1 5000 typ host"))
        XCTAssertNil(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 70000 typ host"))
        XCTAssertNil(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 5000 typ host raddr"))
        // RFC 8445 §5.1.2.1 with Chrome's host UDP preference 126.
        XCTAssertEqual(ICECandidate.host(foundation: "x", address: "10.0.0.1", port: 1).priority, 2_130_706_431)
        XCTAssertEqual(
            ICECandidate.host(foundation: "x", address: "10.0.0.1", port: 1, tcp: true).attributeValue,
            "x 1 tcp 1526726655 10.0.0.1 1 typ host tcptype passive")
    }

    func testFirefoxSpecifics() throws {
        let offer = try Fixture.firefoxWHIP.offer
        XCTAssertEqual(offer.fingerprints.count, 1)
        let video = offer.media[1]
        XCTAssertEqual(video.port, 0)
        XCTAssertTrue(video.bundleOnly)
        XCTAssertFalse(video.isRejected)
        XCTAssertEqual(offer.fingerprints(for: video), offer.fingerprints)
        XCTAssertEqual(offer.media[0].extensionMaps[1], ExtensionMap(id: 2, direction: .recvonly, uri: "urn:ietf:params:rtp-hdrext:csrc-audio-level"))
        XCTAssertTrue(offer.media[0].endOfCandidates)
        XCTAssertEqual(offer.media[0].rtpMap(for: 9)?.channels, 1)
        XCTAssertEqual(video.ssrcPairs, [SSRCPair(primary: 1754386301, rtx: 3260498112)])
        XCTAssertEqual(video.rtxPayloadType(for: 126), 127)
    }

    func testRIDAndSimulcast() throws {
        let text = try Fixture.chromeWHIP.text.replacingOccurrences(
            of: "a=rtpmap:118 ulpfec/90000\r\n",
            with: "a=rtpmap:118 ulpfec/90000\r\na=rid:q send\r\na=rid:h send pt=96;max-width=1280\r\na=rid:f send\r\na=simulcast:send q;h;~f\r\n")
        let video = try SessionDescription.parse(text).media[1]
        XCTAssertEqual(video.rids.map(\.id), ["q", "h", "f"])
        XCTAssertEqual(video.rids[1].restrictions, "pt=96;max-width=1280")
        XCTAssertEqual(video.simulcast?.send.map { $0.map(\.rid) }, [["q"], ["h"], ["f"]])
        XCTAssertEqual(video.simulcast?.send[2].first?.paused, true)
        // Old Firefox form.
        XCTAssertEqual(Simulcast(attributeValue: " send rid=hi;mid;lo")?.send.count, 3)
        XCTAssertEqual(Simulcast(attributeValue: "send 1,2;3 recv 4")?.receive, [[Simulcast.Stream(rid: "4")]])
    }

    func testSSRCGroupSIM() {
        var section = MediaDescription(kind: "video", formats: ["96"])
        section.attributes = [
            SDPAttribute("ssrc-group", "SIM 10 20 30"),
            SDPAttribute("ssrc-group", "FID 10 11"),
            SDPAttribute("ssrc-group", "FID 20 21"),
            SDPAttribute("ssrc", "10 cname:x"), SDPAttribute("ssrc", "11 cname:x"),
            SDPAttribute("ssrc", "20 cname:x"), SDPAttribute("ssrc", "21 cname:x"),
            SDPAttribute("ssrc", "30 cname:x"),
        ]
        XCTAssertEqual(section.ssrcPairs, [
            SSRCPair(primary: 10, rtx: 11), SSRCPair(primary: 20, rtx: 21), SSRCPair(primary: 30),
        ])
    }

    // MARK: Errors

    func testGarbageIsATypedError() {
        assertMalformed("", line: 1)
        assertMalformed("hello world", line: 1)
        assertMalformed("\u{0}\u{1}\u{2}", line: 1)
        assertMalformed("<html><body>nope</body></html>", line: 1)
        assertMalformed("{\"type\":\"offer\",\"sdp\":\"v=0\"}", line: 1)
        assertMalformed("v=1\r\n", line: 1)
        assertMalformed("o=- 1 1 IN IP4 0.0.0.0\r\n", line: 1)
        assertMalformed("\r\n\r\nx", line: 3)
    }

    func testTruncatedSDPNamesTheProblem() {
        assertMalformed("v=0\r\n", line: 1, containing: "no 'o='")
        assertMalformed("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n", line: 2, containing: "no 's='")
        assertMalformed("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n", line: 3, containing: "'t='")
        assertMalformed("v=0\r\no=- 1 2 IN IP4\r\n", line: 2, containing: "6 fields")
        assertMalformed("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF\r\n", line: 5, containing: "m=")
        assertMalformed("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n", line: 5, containing: "port")
        assertMalformed("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n", line: 6, containing: "only allowed before")
    }

    func testBadWebRTCAttributesNameTheLine() throws {
        let base = try Fixture.chromeWHIP.text
        func replacing(_ old: String, _ new: String) -> String {
            base.replacingOccurrences(of: old, with: new)
        }
        let lines = base.components(separatedBy: "\r\n")
        let rtpmapLine = try XCTUnwrap(lines.firstIndex(of: "a=rtpmap:111 opus/48000/2")) + 1
        assertMalformed(replacing("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus"), line: rtpmapLine, containing: "a=rtpmap")
        assertMalformed(replacing("a=rtpmap:111 opus/48000/2", "a=rtpmap:200 opus/48000/2"), line: rtpmapLine, containing: "0-127")
        assertMalformed(replacing("a=setup:actpass", "a=setup:maybe"), line: 0, containing: "a=setup")
        assertMalformed(replacing("a=extmap:1 urn", "a=extmap:0 urn"), line: 0, containing: "a=extmap")
        assertMalformed(replacing("a=fingerprint:sha-256 ", "a=fingerprint:sha-256 ZZ"), line: 0, containing: "a=fingerprint")
        assertMalformed(replacing("a=candidate:3348620187 1 udp", "a=candidate:3348620187 1 udp x"), line: 0, containing: "a=candidate")
        assertMalformed(replacing("a=ssrc-group:FID 3902651873", "a=ssrc-group:FID x3902651873"), line: 0, containing: "a=ssrc-group")
        assertMalformed(replacing("a=ssrc:2134716341 cname", "a=ssrc:-1 cname"), line: 0, containing: "a=ssrc")
        assertMalformed(replacing("a=rtcp-fb:111 transport-cc", "a=rtcp-fb:111"), line: 0, containing: "a=rtcp-fb")
        assertMalformed(replacing("a=fmtp:111 minptime", "a=fmtp:opus minptime"), line: 0, containing: "a=fmtp")
        assertMalformed(replacing("a=mid:0", "a=mid:"), line: 0, containing: "a=mid")
    }

    /// Every prefix of every fixture, cut at any byte, parses or throws — never traps.
    func testEveryTruncationIsSafe() throws {
        for fixture in Fixture.allCases {
            let bytes = Array(try fixture.text.utf8)
            for length in stride(from: 0, through: bytes.count, by: 17) {
                let text = String(decoding: bytes[0..<length], as: UTF8.self)
                _ = try? SessionDescription.parse(text)
            }
        }
    }

    /// Deterministic byte mutations of a fixture never trap, and whatever parses re-parses equal.
    func testMutationsNeverCrash() throws {
        var generator = SplitMix64(seed: 0x5D9)
        let original = Array(try Fixture.firefoxWHIP.text.utf8)
        let alphabet = Array(" :=/;\r\n0123456789aAzZ-~*\u{7f}".utf8)
        for _ in 0..<1000 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[index] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: index)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let parsed = try? SessionDescription.parse(text) {
                XCTAssertEqual(try SessionDescription.parse(parsed.serialized()), parsed)
                _ = try? makeAnswer(to: parsed, capabilities: .sfuDefault, options: Server.whip())
            }
        }
    }

    private func assertMalformed(
        _ text: String, line expectedLine: Int, containing fragment: String? = nil,
        file: StaticString = #filePath, sourceLine: UInt = #line
    ) {
        do throws(SDPError) {
            _ = try SessionDescription.parse(text)
            XCTFail("parsed without error", file: file, line: sourceLine)
        } catch {
            guard case .malformed(let line, let reason) = error else { return }
            if expectedLine > 0 { XCTAssertEqual(line, expectedLine, reason, file: file, line: sourceLine) }
            if let fragment {
                XCTAssertTrue(reason.contains(fragment), "'\(reason)' lacks '\(fragment)'", file: file, line: sourceLine)
            }
        }
    }
}

/// A tiny deterministic generator for mutation tests.
struct SplitMix64 {
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
