import SDP
import XCTest

final class AnswerTests: XCTestCase {
    private let twcc = HeaderExtensionURI.transportWideCC

    /// The INTEROP-NOTES §1 rules, checked on the answer to every fixture.
    func testAnswersToEveryFixtureFollowTheRules() throws {
        for fixture in Fixture.allCases {
            let offer = try fixture.offer
            let options = fixture == .chromeWHEP ? Server.whep() : Server.whip()
            let session = try makeAnswer(to: offer, capabilities: .sfuDefault, options: options)
            let answer = session.answer
            let text = answer.serialized()
            let reparsed = try SessionDescription.parse(text)
            XCTAssertEqual(reparsed, answer, "\(fixture): answer does not re-parse to itself")
            XCTAssertEqual(reparsed.serialized(), text)

            XCTAssertTrue(answer.iceLite, "\(fixture)")
            XCTAssertEqual(answer.attributes.first, SDPAttribute("ice-lite"))
            XCTAssertEqual(answer.bundleGroup?.mids, session.bundleMids)
            XCTAssertEqual(answer.media.count, offer.media.count, "\(fixture): one answer m-section per offered one")
            XCTAssertEqual(session.remote.iceUfrag, offer.iceUfrag(for: offer.media[0]))
            XCTAssertEqual(session.dtlsRole, .server)

            for (index, section) in answer.media.enumerated() {
                let offered = offer.media[index]
                let label = "\(fixture) m-section \(index)"
                XCTAssertEqual(section.mid, offered.mid, label)
                XCTAssertNotNil(section.connection, "\(label): c= is required even when rejected")
                XCTAssertFalse(section.attributes.has("ice-lite"), "\(label): ice-lite belongs at session level")
                let negotiated = try XCTUnwrap(session.media.first { $0.index == index }, label)
                XCTAssertFalse(negotiated.rejected, label)
                XCTAssertEqual(section.port, 3478, "\(label): accepted sections use the default candidate's port")
                XCTAssertFalse(section.bundleOnly, label)
                XCTAssertEqual(section.setup, .passive, label)
                XCTAssertEqual(section.iceUfrag, Server.ufrag, label)
                XCTAssertEqual(section.icePwd, Server.pwd, label)
                XCTAssertEqual(section.fingerprints, [Fingerprint(algorithm: "sha-256", value: Server.fingerprint)], label)
                XCTAssertEqual(section.candidates, Server.candidates, label)
                XCTAssertTrue(section.endOfCandidates, label)
                XCTAssertTrue(section.rtcpMux, label)
                XCTAssertFalse(section.rtcpMuxOnly, "\(label): RFC 8858 §4.3 forbids rtcp-mux-only in answers")
                XCTAssertEqual(section.rtcpReducedSize, offered.rtcpReducedSize, label)

                // PT and fmtp reused; rtx apt points at the accepted PT.
                let codec = try XCTUnwrap(negotiated.codec, label)
                XCTAssertEqual(section.payloadTypes.first, codec.payloadType, label)
                XCTAssertEqual(section.rtpMap(for: codec.payloadType), offered.rtpMap(for: codec.payloadType), label)
                XCTAssertEqual(section.formatParameters(for: codec.payloadType), offered.formatParameters(for: codec.payloadType), label)
                XCTAssertEqual(codec.fmtp, offered.formatParameters(for: codec.payloadType)?.parameters, label)
                if let rtx = negotiated.rtxPayloadType {
                    XCTAssertEqual(section.payloadTypes, [codec.payloadType, rtx], label)
                    XCTAssertEqual(section.formatParameters(for: rtx)?.value(for: "apt"), String(codec.payloadType), label)
                    XCTAssertEqual(offered.rtxPayloadType(for: codec.payloadType), rtx, label)
                }
                // Feedback: only what was offered and what we implement.
                let declared = section.rtcpFeedback(for: codec.payloadType)
                XCTAssertEqual(declared, codec.feedback, label)
                let capability = MediaCapabilities.sfuDefault.codecs(for: negotiated.kind)
                for value in declared {
                    XCTAssertTrue(offered.rtcpFeedback(for: codec.payloadType).contains(value), "\(label): \(value)")
                    XCTAssertTrue(capability.contains { $0.feedback.contains(value) }, "\(label): \(value)")
                }
                // extmap ids as offered, only supported URIs.
                let offeredMaps = offer.extensionMaps(for: offered)
                for map in section.extensionMaps {
                    XCTAssertTrue(offeredMaps.contains { $0.id == map.id && $0.uri == map.uri }, "\(label): \(map)")
                    XCTAssertTrue(MediaCapabilities.sfuDefault.headerExtensions.contains(map.uri), label)
                    XCTAssertEqual(negotiated.extensions[map.uri], UInt8(map.id), label)
                }
                XCTAssertEqual(section.direction, fixture == .chromeWHEP ? .sendonly : .recvonly, label)
                XCTAssertEqual(negotiated.direction, section.direction, label)
            }
        }
    }

    func testChromeWHIPAnswerLines() throws {
        let session = try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: .sfuDefault, options: Server.whip())
        let text = session.answer.serialized()
        XCTAssertTrue(text.hasPrefix("v=0\r\no=- 42 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n"), text)
        XCTAssertFalse(text.contains("extmap-allow-mixed"))
        let audio = session.answer.media[0]
        let video = session.answer.media[1]
        XCTAssertEqual(audio.lines, [
            "a=candidate:udp4 1 udp 2130706431 198.51.100.10 3478 typ host",
            "a=candidate:tcp4 1 tcp 1526726655 198.51.100.10 3478 typ host tcptype passive",
            "a=end-of-candidates",
            "a=ice-ufrag:sfu1Abcd",
            "a=ice-pwd:Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2",
            "a=fingerprint:sha-256 \(Server.fingerprint)",
            "a=setup:passive",
            "a=mid:0",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=recvonly",
            "a=rtcp-mux",
            "a=rtpmap:111 opus/48000/2",
            "a=rtcp-fb:111 transport-cc",
            "a=fmtp:111 minptime=10;useinbandfec=1",
        ])
        XCTAssertEqual(audio.formats, ["111"])
        XCTAssertEqual(audio.connection, ConnectionData(address: "198.51.100.10"))
        XCTAssertEqual(video.formats, ["96", "97"])
        XCTAssertEqual(Array(video.lines.suffix(11)), [
            "a=recvonly",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:96 VP8/90000",
            "a=rtcp-fb:96 goog-remb",
            "a=rtcp-fb:96 transport-cc",
            "a=rtcp-fb:96 ccm fir",
            "a=rtcp-fb:96 nack",
            "a=rtcp-fb:96 nack pli",
            "a=rtpmap:97 rtx/90000",
            "a=fmtp:97 apt=96",
        ])
        XCTAssertEqual(video.extensionMaps.map(\.id), [2, 3, 4])

        let audioMedia = session.media[0]
        let videoMedia = session.media[1]
        XCTAssertEqual(audioMedia.extensions, [
            HeaderExtensionURI.audioLevel: 1, HeaderExtensionURI.absSendTime: 2, twcc: 3, HeaderExtensionURI.mid: 4,
        ])
        XCTAssertEqual(videoMedia.extensions, [HeaderExtensionURI.absSendTime: 2, twcc: 3, HeaderExtensionURI.mid: 4])
        XCTAssertEqual(audioMedia.remoteSSRCs, [SSRCPair(primary: 2134716341)])
        XCTAssertEqual(videoMedia.remoteSSRCs, [SSRCPair(primary: 3902651873, rtx: 1469215036)])
        XCTAssertEqual(videoMedia.remoteCNAME, "Qx3vB9k2LmZp7YtR")
        XCTAssertEqual(videoMedia.remoteMSID?.trackID, "e27d5c18-4a9b-4f03-8c6e-0b1a2d3e4f56")
        XCTAssertEqual(videoMedia.codec?.name, "VP8")
        XCTAssertEqual(videoMedia.rtxPayloadType, 97)
        XCTAssertEqual(session.remote.candidates.count, 3)
        XCTAssertFalse(session.remote.endOfCandidates)
        XCTAssertEqual(session.remote.iceOptions, ["trickle"])
        XCTAssertEqual(session.remote.setup, .actpass)
    }

    func testPayloadTypeAndFmtpReusedForPreferredH264() throws {
        var capabilities = MediaCapabilities.sfuDefault
        capabilities.video = capabilities.video.filter { $0.name == "H264" }
        let session = try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: capabilities, options: Server.whip())
        let video = session.media[1]
        // 42e01f is first in our order; Chrome offers it with packetization-mode=1 at PT 106 (rtx 107).
        XCTAssertEqual(video.codec?.payloadType, 106)
        XCTAssertEqual(video.rtxPayloadType, 107)
        XCTAssertEqual(video.codec?.fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
        XCTAssertTrue(session.answer.media[1].lines.contains("a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))

        var options = Server.whip()
        options.preferOffererCodecOrder = true
        let offererOrder = try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: capabilities, options: options)
        // The first H.264 Chrome lists that we support is 42001f packetization-mode=1 at PT 102.
        XCTAssertEqual(offererOrder.media[1].codec?.payloadType, 102)
        XCTAssertEqual(offererOrder.media[1].rtxPayloadType, 103)
    }

    func testFirefoxBundleOnlyAndExtmapIDs() throws {
        let session = try makeAnswer(to: try Fixture.firefoxWHIP.offer, capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.bundleMids, ["0", "1"])
        let video = session.answer.media[1]
        XCTAssertEqual(video.port, 3478)
        XCTAssertFalse(video.bundleOnly)
        XCTAssertTrue(video.lines.contains("a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"))
        XCTAssertEqual(session.media[1].extensions, [HeaderExtensionURI.mid: 3, HeaderExtensionURI.absSendTime: 4, twcc: 7])
        XCTAssertEqual(session.media[1].codec?.payloadType, 120)
        XCTAssertEqual(session.media[1].codec?.fmtp, "max-fs=12288;max-fr=60")
        XCTAssertEqual(session.media[1].rtxPayloadType, 124)
        XCTAssertEqual(session.media[1].remoteSSRCs, [SSRCPair(primary: 1754386301, rtx: 3260498112)])
        // csrc-audio-level is not ours; audio keeps Firefox's ids.
        XCTAssertEqual(session.media[0].extensions, [HeaderExtensionURI.audioLevel: 1, HeaderExtensionURI.mid: 3])
        XCTAssertEqual(session.media[0].codec?.payloadType, 109)
        XCTAssertEqual(session.media[0].codec?.fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1")
        XCTAssertEqual(session.remote.iceUfrag, "5c1e8a3f")
        XCTAssertEqual(session.remote.fingerprints.count, 1)
        XCTAssertTrue(session.remote.endOfCandidates)
        XCTAssertEqual(session.remote.candidates.map(\.transport), ["UDP", "TCP", "UDP"])
    }

    func testAiortcHasNoTransportCC() throws {
        let session = try makeAnswer(to: try Fixture.aiortcWHIP.offer, capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.media[0].codec?.payloadType, 96)
        XCTAssertNil(session.media[0].codec?.fmtp)
        XCTAssertEqual(session.media[0].codec?.feedback, [])
        XCTAssertEqual(session.media[1].codec?.payloadType, 97)
        XCTAssertEqual(session.media[1].rtxPayloadType, 98)
        XCTAssertEqual(session.media[1].codec?.feedback, ["nack", "nack pli", "goog-remb"])
        XCTAssertEqual(session.media[1].extensions, [HeaderExtensionURI.mid: 1, HeaderExtensionURI.absSendTime: 3])
        XCTAssertEqual(session.media[0].extensions, [HeaderExtensionURI.mid: 1, HeaderExtensionURI.audioLevel: 2])
        XCTAssertEqual(session.media[1].remoteSSRCs, [SSRCPair(primary: 2718281828, rtx: 3141592653)])
        XCTAssertEqual(session.remote.fingerprints.map(\.algorithm), ["sha-256", "sha-384", "sha-512"])
        XCTAssertEqual(session.remote.candidates.count, 2, "the same candidates in both sections are listed once")
    }

    func testGStreamerUppercaseOpusAndRTCPMuxOnlyOffer() throws {
        let session = try makeAnswer(to: try Fixture.gstreamerWHIP.offer, capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.bundleMids, ["video0", "audio1"])
        XCTAssertTrue(session.answer.serialized().contains("a=group:BUNDLE video0 audio1\r\n"))
        XCTAssertEqual(session.media[1].codec?.name, "OPUS")
        XCTAssertEqual(session.media[1].codec?.payloadType, 98)
        XCTAssertEqual(session.media[1].codec?.feedback, ["transport-cc"])
        XCTAssertEqual(session.media[0].codec?.feedback, ["nack", "nack pli", "ccm fir", "transport-cc"])
        XCTAssertTrue(try Fixture.gstreamerWHIP.offer.media.allSatisfy(\.rtcpMuxOnly))
        XCTAssertTrue(session.answer.media.allSatisfy { $0.rtcpMux && !$0.rtcpMuxOnly })
        XCTAssertEqual(session.media[0].extensions, [twcc: 1])
        XCTAssertEqual(session.media[0].remoteCNAME, "user2750139628@host-5e1a3b7c")
        XCTAssertEqual(session.media[1].remoteSSRCs, [SSRCPair(primary: 3987161443)])
        XCTAssertEqual(session.remote.iceOptions, ["trickle"])
    }

    func testWHEPSendonlyAnswerSignalsOurTracks() throws {
        let session = try makeAnswer(to: try Fixture.chromeWHEP.offer, capabilities: .sfuDefault, options: Server.whep())
        let audio = session.answer.media[0].lines
        let video = session.answer.media[1].lines
        XCTAssertTrue(audio.contains("a=sendonly"))
        XCTAssertTrue(audio.contains("a=msid:room-1 audio-1"))
        XCTAssertEqual(Array(audio.suffix(2)), ["a=ssrc:1111 cname:cascade", "a=ssrc:1111 msid:room-1 audio-1"])
        XCTAssertFalse(audio.contains { $0.hasPrefix("a=ssrc-group") })
        XCTAssertTrue(video.contains("a=msid:room-1 video-1"))
        XCTAssertEqual(Array(video.suffix(5)), [
            "a=ssrc-group:FID 2222 3333",
            "a=ssrc:2222 cname:cascade",
            "a=ssrc:2222 msid:room-1 video-1",
            "a=ssrc:3333 cname:cascade",
            "a=ssrc:3333 msid:room-1 video-1",
        ])
        XCTAssertEqual(session.media.map(\.direction), [.sendonly, .sendonly])
        XCTAssertEqual(session.media.map(\.remoteSSRCs), [[], []])

        // A stream without audio: the audio m-section stays bundled but inactive.
        var options = Server.whep()
        options.outgoingTracks = ["1": Server.videoTrack]
        let videoOnly = try makeAnswer(to: try Fixture.chromeWHEP.offer, capabilities: .sfuDefault, options: options)
        XCTAssertEqual(videoOnly.media.map(\.direction), [.inactive, .sendonly])
        XCTAssertFalse(videoOnly.answer.media[0].lines.contains { $0.hasPrefix("a=msid") || $0.hasPrefix("a=ssrc") })
        XCTAssertEqual(videoOnly.bundleMids, ["0", "1"])
    }

    /// No rid negotiation yet: a Chrome simulcast offer is answered without a=rid/a=simulcast, so
    /// Chrome falls back to a single encoding (the rids are reported for the caller to see).
    func testChromeSimulcastOfferIsAnsweredWithoutSimulcast() throws {
        let text = try Fixture.chromeWHIP.text.replacingOccurrences(
            of: "a=rtpmap:118 ulpfec/90000\r\n",
            with: "a=rtpmap:118 ulpfec/90000\r\na=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n")
        let session = try makeAnswer(to: try SessionDescription.parse(text), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.media[1].remoteRIDs.map(\.id), ["q", "h", "f"])
        let answerText = session.answer.serialized()
        XCTAssertFalse(answerText.contains("a=rid"))
        XCTAssertFalse(answerText.contains("a=simulcast"))
        XCTAssertFalse(answerText.contains("rtp-stream-id"), "rid extensions are not in sfuDefault yet")
    }

    // MARK: H.264 profiles (RFC 6184 §8.1)

    func testH264MainOnlyNegotiates() throws {
        let session = try makeAnswer(to: try Fixture.h264MainOnly.offer, capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.media[1].codec?.name, "H264")
        XCTAssertEqual(session.media[1].codec?.payloadType, 96)
        XCTAssertEqual(session.media[1].codec?.fmtp, "profile-level-id=4d001f;packetization-mode=1;level-asymmetry-allowed=1")
        XCTAssertNil(session.media[1].rtxPayloadType)
        XCTAssertEqual(session.media[1].codec?.feedback, ["nack", "nack pli", "goog-remb"])
        XCTAssertEqual(session.remote.fingerprints.count, 1, "session-level fingerprint")

        // Another level of the same profile matches; only profile_idc and constraints must agree.
        let higherLevel = try Fixture.h264MainOnly.text.replacingOccurrences(of: "profile-level-id=4d001f", with: "profile-level-id=4D0032")
        let leveled = try makeAnswer(to: try SessionDescription.parse(higherLevel), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(leveled.media[1].codec?.fmtp, "profile-level-id=4D0032;packetization-mode=1;level-asymmetry-allowed=1")
    }

    func testUnsupportedH264ProfileIsNoCommonCodec() throws {
        let high444 = try Fixture.h264MainOnly.text.replacingOccurrences(of: "profile-level-id=4d001f", with: "profile-level-id=f4001f")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(high444), capabilities: .sfuDefault, options: Server.whip())) {
            XCTAssertEqual($0 as? NegotiationError, .noCommonCodec(.video))
        }
        let modeZero = try Fixture.h264MainOnly.text.replacingOccurrences(of: "packetization-mode=1;", with: "")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(modeZero), capabilities: .sfuDefault, options: Server.whip())) {
            XCTAssertEqual($0 as? NegotiationError, .noCommonCodec(.video))
        }
        let noOpus = try Fixture.h264MainOnly.text.replacingOccurrences(of: "opus/48000/2", with: "PCMU/8000")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(noOpus), capabilities: .sfuDefault, options: Server.whip())) {
            XCTAssertEqual($0 as? NegotiationError, .noCommonCodec(.audio))
        }
    }

    // MARK: Errors and edge cases

    func testOfferWithoutBundleIsRejected() throws {
        let text = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=group:BUNDLE 0 1\r\n", with: "")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(text), capabilities: .sfuDefault, options: Server.whip())) {
            XCTAssertEqual($0 as? NegotiationError, .bundleRequired)
        }
        let unknownMids = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=group:BUNDLE 0 1", with: "a=group:BUNDLE x y")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(unknownMids), capabilities: .sfuDefault, options: Server.whip())) {
            XCTAssertEqual($0 as? NegotiationError, .bundleRequired)
        }
    }

    func testSetupRules() throws {
        let active = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:active")
        let session = try makeAnswer(to: try SessionDescription.parse(active), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertTrue(session.answer.media.allSatisfy { $0.setup == .passive })

        let passive = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:passive")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(passive), capabilities: .sfuDefault, options: Server.whip())) {
            guard case .unsupported(let reason) = $0 as? NegotiationError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("passive"))
        }
    }

    func testRTCPMuxIsRequired() throws {
        let text = try Fixture.aiortcWHIP.text.replacingOccurrences(of: "a=rtcp-mux\r\n", with: "")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(text), capabilities: .sfuDefault, options: Server.whip())) {
            guard case .unsupported(let reason) = $0 as? NegotiationError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("rtcp-mux"))
        }
    }

    func testLiteOffererAndMissingCredentialsAreRefused() throws {
        let lite = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=extmap-allow-mixed\r\n", with: "a=extmap-allow-mixed\r\na=ice-lite\r\n")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(lite), capabilities: .sfuDefault, options: Server.whip())) {
            guard case .unsupported = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
        let noPwd = try Fixture.chromeWHIP.text.replacingOccurrences(of: "a=ice-pwd:k3b2Ff9Xq0sLw8TnR1yZcP4e\r\n", with: "")
        XCTAssertThrowsError(try makeAnswer(to: try SessionDescription.parse(noPwd), capabilities: .sfuDefault, options: Server.whip())) {
            guard case .malformed = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
        let noFingerprint = try Fixture.firefoxWHIP.offer
        var stripped = noFingerprint
        stripped.attributes.removeAll { $0.name == "fingerprint" }
        XCTAssertThrowsError(try makeAnswer(to: stripped, capabilities: .sfuDefault, options: Server.whip())) {
            guard case .malformed(let reason) = $0 as? NegotiationError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("fingerprint"))
        }
    }

    func testInvalidOptions() throws {
        var options = Server.whip()
        options.icePwd = "short"
        XCTAssertThrowsError(try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: .sfuDefault, options: options)) {
            guard case .invalidOptions = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
        options = Server.whip()
        options.fingerprintSHA256 = "AB:CD"
        XCTAssertThrowsError(try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: .sfuDefault, options: options)) {
            guard case .invalidOptions = $0 as? NegotiationError else { return XCTFail("\($0)") }
        }
    }

    func testDataChannelAndRejectedSectionsKeepPortZeroAndConnection() throws {
        var offer = try Fixture.chromeWHIP.offer
        var dataChannel = MediaDescription(
            kind: "application", port: 9, proto: "UDP/DTLS/SCTP", formats: ["webrtc-datachannel"],
            attributes: [SDPAttribute("mid", "2"), SDPAttribute("sctp-port", "5000")])
        dataChannel.connection = .unspecified
        offer.media.append(dataChannel)
        offer.attributes[0] = MediaGroup(semantics: "BUNDLE", mids: ["0", "1", "2"]).attribute
        // A third, disabled video section (port 0 without bundle-only).
        var disabled = offer.media[1]
        disabled.port = 0
        disabled.attributes = [SDPAttribute("mid", "3"), SDPAttribute("inactive")]
        offer.media.append(disabled)

        let session = try makeAnswer(to: try SessionDescription.parse(offer.serialized()), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertEqual(session.bundleMids, ["0", "1"])
        let text = session.answer.serialized()
        XCTAssertTrue(text.contains("m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n"), text)
        XCTAssertTrue(text.hasSuffix("m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:3\r\n"), text)
        XCTAssertEqual(session.media.count, 3, "the data channel is not an audio/video entry")
        XCTAssertEqual(session.media[2].rejected, true)
        XCTAssertEqual(session.media[2].mid, "3")
        XCTAssertEqual(session.accepted.map(\.mid), ["0", "1"])
    }

    func testTwoByteExtensionIDsBringExtmapAllowMixed() throws {
        let text = try Fixture.chromeWHIP.text.replacingOccurrences(
            of: "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            with: "a=extmap:17 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01")
        let session = try makeAnswer(to: try SessionDescription.parse(text), capabilities: .sfuDefault, options: Server.whip())
        XCTAssertTrue(session.answer.attributes.has("extmap-allow-mixed"))
        XCTAssertEqual(session.media[1].extensions[twcc], 17)
    }

    func testNoCandidatesUsesJSEPPlaceholder() throws {
        var options = Server.whip()
        options.candidates = []
        let session = try makeAnswer(to: try Fixture.chromeWHIP.offer, capabilities: .sfuDefault, options: options)
        XCTAssertEqual(session.answer.media[0].port, 9)
        XCTAssertEqual(session.answer.media[0].connection, .unspecified)
        XCTAssertTrue(session.answer.media[0].endOfCandidates)
    }
}

extension [SDPAttribute] {
    func has(_ name: String) -> Bool { contains { $0.name == name } }
}
