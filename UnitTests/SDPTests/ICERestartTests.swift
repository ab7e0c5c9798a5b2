import XCTest
@testable import SDP

final class ICERestartTests: XCTestCase {
    /// RFC 9725 §4.4.2's restart request body (an sdpfrag with new credentials), CRLF and LF.
    func testReadsCredentialsAndCandidatesOfAnSDPFrag() throws {
        let text = "a=ice-options:trickle ice2\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
            + "a=ice-ufrag:ysXw\r\na=ice-pwd:vw5LmwG4y/e6dPP/zAP9Gp5k\r\n"
            + "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n"
            + "a=candidate:garbage\r\na=end-of-candidates\r\n"
        for body in [text, text.replacingOccurrences(of: "\r\n", with: "\n")] {
            let fragment = try ICEFragment.parse(body)
            XCTAssertEqual(fragment.iceUfrag, "ysXw")
            XCTAssertEqual(fragment.icePwd, "vw5LmwG4y/e6dPP/zAP9Gp5k")
            XCTAssertEqual(fragment.candidates.map(\.address), ["192.0.2.1"], "a candidate that does not parse is ignored")
        }
    }

    func testRefusesCredentialsThatAreNotICEChars() {
        XCTAssertThrowsError(try ICEFragment.parse("a=ice-ufrag:ab\r\n"))
        XCTAssertThrowsError(try ICEFragment.parse("a=ice-ufrag:abcd\r\na=ice-pwd:short\r\n"))
        XCTAssertThrowsError(try ICEFragment.parse("a=ice-ufrag:ab:cd\r\n"))
    }

    func testAnswerWithNewCredentialsAndItsFragment() throws {
        let answer = try SessionDescription.parse("""
            v=0\r
            o=- 42 2 IN IP4 0.0.0.0\r
            s=-\r
            t=0 0\r
            a=ice-lite\r
            a=group:BUNDLE 0 1\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r
            c=IN IP4 203.0.113.1\r
            a=mid:0\r
            a=candidate:1 1 udp 2130706431 203.0.113.1 7882 typ host\r
            a=end-of-candidates\r
            a=ice-ufrag:oldUfrag\r
            a=ice-pwd:oldPasswordOldPassword00\r
            a=rtpmap:111 opus/48000/2\r
            m=video 9 UDP/TLS/RTP/SAVPF 96\r
            c=IN IP4 203.0.113.1\r
            a=mid:1\r
            a=ice-ufrag:oldUfrag\r
            a=ice-pwd:oldPasswordOldPassword00\r
            a=rtpmap:96 VP8/90000\r

            """)
        let restarted = answer.withICECredentials(ufrag: "newUfrag", pwd: "newPasswordNewPassword00")
        XCTAssertEqual(restarted.origin.sessionVersion, "3", "RFC 3264 §8: the version goes up")
        let serialized = restarted.serialized()
        XCTAssertFalse(serialized.contains("oldUfrag"))
        XCTAssertEqual(serialized.components(separatedBy: "a=ice-ufrag:newUfrag").count, 3)
        XCTAssertEqual(restarted.media[0].attributes.filter { $0.name == "rtpmap" }, answer.media[0].attributes.filter { $0.name == "rtpmap" })

        XCTAssertEqual(restarted.iceFragment(), """
            a=ice-lite\r
            a=group:BUNDLE 0 1\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r
            a=mid:0\r
            a=candidate:1 1 udp 2130706431 203.0.113.1 7882 typ host\r
            a=end-of-candidates\r
            a=ice-ufrag:newUfrag\r
            a=ice-pwd:newPasswordNewPassword00\r
            m=video 9 UDP/TLS/RTP/SAVPF 96\r
            a=mid:1\r

            """)
        let reread = try ICEFragment.parse(restarted.iceFragment())
        XCTAssertEqual(reread.iceUfrag, "newUfrag")
        XCTAssertEqual(reread.candidates.count, 1)
    }
}
