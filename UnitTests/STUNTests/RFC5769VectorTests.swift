import STUN
import XCTest

/// RFC 5769 test vectors: parse, verify, and rebuild byte for byte.
final class RFC5769VectorTests: XCTestCase {
    private let transactionID = STUNTransactionID(bytes: RFC5769.transactionID)!
    private var key: [UInt8] { Array(RFC5769.password.utf8) }

    func testSampleRequestParsesAndVerifies() throws {
        let message = try STUNMessage(parsing: RFC5769.request)
        XCTAssertEqual(message.method, .binding)
        XCTAssertEqual(message.messageClass, .request)
        XCTAssertEqual(message.transactionID, transactionID)
        XCTAssertEqual(message.software, "STUN test client")
        XCTAssertEqual(message.priority, 0x6E00_01FF)
        XCTAssertEqual(message.iceControlled, 0x932F_F9B1_5126_3B36)
        XCTAssertEqual(message.username, "evtj:h6vY")
        XCTAssertTrue(message.validateMessageIntegrity(key: key))
        XCTAssertTrue(message.validateMessageIntegrity(password: RFC5769.password))
        XCTAssertFalse(message.validateMessageIntegrity(password: "VOkJxbRl1RmTxUk/WvJxBT"))
        XCTAssertTrue(message.validateFingerprint())
        XCTAssertEqual(message.attributes.map(\.type),
                       [.software, .priority, .iceControlled, .username, .messageIntegrity, .fingerprint])
    }

    func testSampleRequestRebuildsByteForByte() throws {
        let built = STUNMessage(messageClass: .request, transactionID: transactionID, attributes: [
            .software("STUN test client"),
            .priority(0x6E00_01FF),
            .iceControlled(tieBreaker: 0x932F_F9B1_5126_3B36),
            .username("evtj:h6vY"),
        ])
        XCTAssertEqual(built.serialized(messageIntegrityKey: key, fingerprint: true, paddingByte: 0x20), RFC5769.request)
        // Parsed then written verbatim (stored MI and FINGERPRINT values) gives the same bytes.
        XCTAssertEqual(try STUNMessage(parsing: RFC5769.request).serialized(paddingByte: 0x20), RFC5769.request)
    }

    func testSampleIPv4Response() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv4Response)
        XCTAssertEqual(message.messageClass, .successResponse)
        XCTAssertEqual(message.software, "test vector")
        XCTAssertEqual(message.xorMappedAddress, TransportAddress("192.0.2.1", port: 32853))
        XCTAssertTrue(message.validateMessageIntegrity(key: key))
        XCTAssertTrue(message.validateFingerprint())

        let built = STUNMessage(messageClass: .successResponse, transactionID: transactionID, attributes: [
            .software("test vector"),
            .xorMappedAddress(TransportAddress("192.0.2.1", port: 32853)!),
        ])
        XCTAssertEqual(built.serialized(messageIntegrityKey: key, fingerprint: true, paddingByte: 0x20),
                       RFC5769.ipv4Response)
    }

    func testSampleIPv6Response() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv6Response)
        let mapped = TransportAddress("2001:db8:1234:5678:11:2233:4455:6677", port: 32853)!
        XCTAssertEqual(message.xorMappedAddress, mapped)
        XCTAssertEqual(message.xorMappedAddress?.description, "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        XCTAssertTrue(message.validateMessageIntegrity(key: key))
        XCTAssertTrue(message.validateFingerprint())

        let built = STUNMessage(messageClass: .successResponse, transactionID: transactionID, attributes: [
            .software("test vector"), .xorMappedAddress(mapped),
        ])
        XCTAssertEqual(built.serialized(messageIntegrityKey: key, fingerprint: true, paddingByte: 0x20),
                       RFC5769.ipv6Response)
    }

    func testLongTermRequest() throws {
        let message = try STUNMessage(parsing: RFC5769.longTermRequest)
        XCTAssertEqual(message.username, "マトリックス")
        XCTAssertFalse(message.hasFingerprint)
        XCTAssertFalse(message.validateFingerprint())
        // The password "TheMatrIX" is already the SASLprep form of "TheMªtrⅨ".
        let key = STUNMessage.longTermKey(username: "マトリックス", realm: "example.org", password: "TheMatrIX")
        XCTAssertTrue(message.validateMessageIntegrity(key: key))
        XCTAssertFalse(message.validateMessageIntegrity(
            key: STUNMessage.longTermKey(username: "マトリックス", realm: "example.org", password: "thematrix")))

        let built = STUNMessage(messageClass: .request, transactionID: message.transactionID, attributes: [
            .username("マトリックス"),
            .unknown(type: .nonce, value: Array("f//499k954d6OL34oL9FSTvy64sA".utf8)),
            .unknown(type: .realm, value: Array("example.org".utf8)),
        ])
        XCTAssertEqual(built.serialized(messageIntegrityKey: key), RFC5769.longTermRequest)
    }

    func testQuickChecksOnVectors() {
        XCTAssertTrue(STUNMessage.looksLikeSTUN(RFC5769.request))
        XCTAssertEqual(STUNMessage.bindingRequestUsername(in: RFC5769.request), "evtj:h6vY")
        XCTAssertNil(STUNMessage.bindingRequestUsername(in: RFC5769.ipv4Response), "a response is not routed")
        XCTAssertEqual(STUNMessage.bindingRequestUsername(in: RFC5769.longTermRequest), "マトリックス")
        let rtp: [UInt8] = [0x80, 0x60] + Array(repeating: 0, count: 30)
        XCTAssertFalse(STUNMessage.looksLikeSTUN(rtp))
        XCTAssertNil(STUNMessage.bindingRequestUsername(in: rtp))
    }

    func testTamperingBreaksIntegrityAndFingerprint() throws {
        var bytes = RFC5769.request
        bytes[30] ^= 0x01  // inside SOFTWARE
        let message = try STUNMessage(parsing: bytes)
        XCTAssertFalse(message.validateMessageIntegrity(key: key))
        XCTAssertFalse(message.validateFingerprint())
    }
}
