import MediaAPI
import XCTest
@testable import Control

/// docs/signaling.md, *Errors*: `bad_json` and `bad_message` name what is wrong.
final class MessageDecodingTests: XCTestCase {
    private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> DecodeFailure? {
        switch MessageDecoder.decode(text) {
        case .success(let message):
            XCTFail("decoded \(message)", file: file, line: line)
            return nil
        case .failure(let failure):
            return failure
        }
    }

    func testDecodesEveryMessageType() throws {
        let cases: [(String, ClientMessage)] = [
            (#"{"type":"ping"}"#, .ping),
            (#"{"type":"leave"}"#, .leave),
            (#"{"type":"unpublish","publicationId":"local.a"}"#, .unpublish(UnpublishMessage(publicationId: "local.a"))),
            (#"{"type":"unsubscribe","subscriptionId":"s1"}"#, .unsubscribe(UnsubscribeMessage(subscriptionId: "s1"))),
            (#"{"type":"pause","subscriptionId":"s1","kind":"video","paused":true}"#,
             .pause(PauseMessage(subscriptionId: "s1", kind: .video, paused: true))),
            (#"{"type":"mute","publicationId":"local.a","kind":"audio","muted":false}"#,
             .mute(MuteMessage(publicationId: "local.a", kind: .audio, muted: false))),
            (#"{"type":"chat","text":"hi"}"#, .chat(ChatRequest(text: "hi"))),
            (#"{"type":"quality","packetLoss":0.01,"rttMs":40}"#, .quality(QualityReport(packetLoss: 0.01, rttMs: 40, jitterMs: nil))),
            (#"{"type":"host.mute","participantId":"p_1","kind":"video"}"#, .hostMute(HostMuteMessage(participantId: "p_1", kind: .video))),
            (#"{"type":"host.remove","participantId":"p_1"}"#, .hostRemove(HostRemoveMessage(participantId: "p_1", reason: nil))),
            (#"{"type":"host.lock","locked":true}"#, .hostLock(HostLockMessage(locked: true))),
            (#"{"type":"host.end","reason":"done"}"#, .hostEnd(HostEndMessage(reason: "done"))),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try MessageDecoder.decode(text).get().message, expected, text)
        }
        let join = try MessageDecoder.decode(#"{"type":"join","id":1,"protocol":1,"token":"t","name":"Ada","resume":{"participantId":"p_1","resumeToken":"r_1"}}"#).get()
        XCTAssertEqual(join.id, .integer(1))
        XCTAssertEqual(join.message, .join(JoinMessage(protocol: 1, token: "t", name: "Ada",
                                                        resume: .init(participantId: "p_1", resumeToken: "r_1"))))
        let publish = try MessageDecoder.decode(#"{"type":"publish","id":"a","source":"screen","offer":"v=0","muted":{"audio":true}}"#).get()
        XCTAssertEqual(publish.id, .string("a"))
        XCTAssertEqual(publish.message, .publish(PublishMessage(source: .screen, offer: "v=0", muted: MuteFlags(audio: true, video: false))))
    }

    func testNotJSONIsBadJSON() {
        for text in ["", "{", "hello", "[1,2]", "\"ping\"", "42", "null"] {
            XCTAssertEqual(failure(text)?.error.code, .badJSON, text)
        }
        XCTAssertEqual(failure("[1]")?.error.message, "the frame is not a JSON object")
    }

    func testTypeMissingOrUnknown() {
        XCTAssertEqual(failure(#"{"id":7}"#), DecodeFailure(id: .integer(7), error: SignalingError(.badMessage, "field 'type' is missing")))
        XCTAssertEqual(failure(#"{"type":"dance","id":"x"}"#),
                       DecodeFailure(id: .string("x"), error: SignalingError(.badMessage, "unknown type 'dance'")))
        XCTAssertEqual(failure(#"{"type":5,"id":3}"#),
                       DecodeFailure(id: .integer(3), error: SignalingError(.badMessage, "field 'type' must be a string")))
    }

    func testWrongFieldTypesNameTheField() {
        let cases: [(String, String)] = [
            (#"{"type":"publish","id":7,"source":"camera","offer":5}"#, "field 'offer' must be a string"),
            (#"{"type":"publish","source":"camera"}"#, "field 'offer' is missing"),
            (#"{"type":"publish","source":"tv","offer":"v=0"}"#, "field 'source' must be \"camera\" or \"screen\""),
            (#"{"type":"publish","source":"camera","offer":"v=0","muted":{"audio":"yes"}}"#, "field 'muted.audio' must be true or false"),
            (#"{"type":"publish","source":"camera","offer":"v=0","muted":true}"#, "field 'muted' must be an object"),
            (#"{"type":"pause","subscriptionId":"s","kind":"smell","paused":true}"#, "field 'kind' must be \"audio\" or \"video\""),
            (#"{"type":"pause","subscriptionId":"s","kind":"video","paused":1}"#, "field 'paused' must be true or false"),
            (#"{"type":"join","protocol":"1","token":"t"}"#, "field 'protocol' must be a number"),
            (#"{"type":"join","protocol":1.5,"token":"t"}"#, "field 'protocol' must be an integer"),
            (#"{"type":"join","protocol":1,"token":null}"#, "field 'token' must be a string, not null"),
            (#"{"type":"join","protocol":1,"token":"t","resume":{"participantId":"p"}}"#, "field 'resume.resumeToken' is missing"),
            (#"{"type":"quality","packetLoss":"none"}"#, "field 'packetLoss' must be a number"),
            (#"{"type":"host.lock","locked":"yes"}"#, "field 'locked' must be true or false"),
            (#"{"type":"ping","id":{"a":1}}"#, "field 'id' must be a string or a number"),
        ]
        for (text, message) in cases {
            let failure = failure(text)
            XCTAssertEqual(failure?.error.code, .badMessage, text)
            XCTAssertEqual(failure?.error.message, message, text)
        }
        XCTAssertEqual(failure(#"{"type":"publish","id":7,"source":"camera","offer":5}"#)?.id, .integer(7))
    }

    func testValuesOutOfRange() {
        let long = String(repeating: "x", count: 65)
        XCTAssertEqual(failure(#"{"type":"join","protocol":1,"token":"t","name":"\#(long)"}"#)?.error.message,
                       "field 'name' must be 1–64 characters, without control characters")
        XCTAssertEqual(failure(#"{"type":"join","protocol":1,"token":"t","name":"  "}"#)?.error.code, .badMessage)
        XCTAssertEqual(failure(#"{"type":"chat","text":""}"#)?.error.code, .badMessage)
        XCTAssertEqual(failure(#"{"type":"chat","text":"\#(String(repeating: "a", count: 4001))"}"#)?.error.code, .badMessage)
        XCTAssertNotNil(try? MessageDecoder.decode(#"{"type":"chat","text":"\#(String(repeating: "é", count: 4000))"}"#).get())
        XCTAssertEqual(failure(#"{"type":"quality","packetLoss":1.5}"#)?.error.message, "field 'packetLoss' must be a number from 0 to 1")
        XCTAssertEqual(failure(#"{"type":"quality","packetLoss":0,"rttMs":-1}"#)?.error.code, .badMessage)
    }

    func testRequestIDsEchoAsGiven() throws {
        XCTAssertEqual(try MessageDecoder.decode(#"{"type":"ping","id":"abc"}"#).get().id, .string("abc"))
        XCTAssertEqual(try MessageDecoder.decode(#"{"type":"ping","id":12}"#).get().id, .integer(12))
        XCTAssertEqual(try MessageDecoder.decode(#"{"type":"ping","id":1.5}"#).get().id, .number(1.5))
        XCTAssertNil(try MessageDecoder.decode(#"{"type":"ping","id":null}"#).get().id)
        XCTAssertEqual(ServerMessageEncoder.encode(PongReply(re: .integer(12))), #"{"re":12,"type":"pong"}"#)
        XCTAssertEqual(ServerMessageEncoder.encode(PongReply(re: .string("abc"))), #"{"re":"abc","type":"pong"}"#)
        XCTAssertEqual(ServerMessageEncoder.encode(PongReply(re: nil)), #"{"type":"pong"}"#)
    }

    func testUnknownFieldsAreIgnored() throws {
        XCTAssertEqual(try MessageDecoder.decode(#"{"type":"ping","extra":[1,2,{"x":null}]}"#).get().message, .ping)
    }

    func testSDPKinds() {
        XCTAssertEqual(SDPMediaKinds.kinds(in: offer("audio", "video")), [.audio, .video])
        XCTAssertEqual(SDPMediaKinds.kinds(in: "v=0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP 96\r\nm=application 9 x\r\n"), [.video])
        XCTAssertNil(SDPMediaKinds.check(offer: offer("audio", "video"), source: .camera))
        XCTAssertNil(SDPMediaKinds.check(offer: offer("video", "audio"), source: .screen))
        XCTAssertEqual(SDPMediaKinds.check(offer: offer("video", "video"), source: .camera)?.code, .badSDP)
        XCTAssertEqual(SDPMediaKinds.check(offer: offer("audio"), source: .screen)?.code, .badSDP)
        XCTAssertEqual(SDPMediaKinds.check(offer: "v=0\r\n", source: .camera)?.code, .badSDP)
    }
}
