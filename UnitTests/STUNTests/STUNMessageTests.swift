import STUN
import XCTest

final class STUNMessageTests: XCTestCase {
    private var generator = SeededGenerator(state: 42)

    func testMessageTypeEncoding() throws {
        let cases: [(STUNMessageClass, UInt8, UInt8)] = [
            (.request, 0x00, 0x01), (.indication, 0x00, 0x11), (.successResponse, 0x01, 0x01), (.errorResponse, 0x01, 0x11),
        ]
        for (messageClass, first, second) in cases {
            let bytes = STUNMessage(messageClass: messageClass, transactionID: .random(using: &generator)).serialized()
            XCTAssertEqual(Array(bytes[0...1]), [first, second], "\(messageClass)")
            XCTAssertEqual(try STUNMessage(parsing: bytes).messageClass, messageClass)
        }
        // Every method bit survives the interleaving with the class bits (RFC 8489 §5).
        let method = STUNMethod(rawValue: 0xFFF)
        let bytes = STUNMessage(method: method, messageClass: .errorResponse, transactionID: .random(using: &generator)).serialized()
        XCTAssertEqual(Array(bytes[0...1]), [0x3F, 0xFF])
        XCTAssertEqual(try STUNMessage(parsing: bytes).method, method)
        XCTAssertEqual(try STUNMessage(parsing: STUNMessage(method: STUNMethod(rawValue: 0xA5A), messageClass: .indication,
                                                            transactionID: .random(using: &generator)).serialized()).method.rawValue, 0xA5A)
    }

    func testRoundTripOfEveryAttribute() throws {
        let id = STUNTransactionID.random(using: &generator)
        let message = STUNMessage(messageClass: .errorResponse, transactionID: id, attributes: [
            .mappedAddress(TransportAddress("203.0.113.7", port: 1)!),
            .xorMappedAddress(TransportAddress("2001:db8::1", port: 65535)!),
            .xorMappedAddress(TransportAddress("10.1.2.3", port: 0)!),
            .username("abc:defg"),
            .errorCode(STUNErrorCode(code: 420, reason: "Unknown Attribute")),
            .unknownAttributes([STUNAttributeType(rawValue: 0x0031), STUNAttributeType(rawValue: 0x7FFF)]),
            .software("cascade ✓"),
            .priority(0x7E7F_FFFF),
            .useCandidate,
            .iceControlling(tieBreaker: 0x0102_0304_0506_0708),
            .iceControlled(tieBreaker: .max),
            .unknown(type: STUNAttributeType(rawValue: 0xC057), value: [0, 1, 0, 5, 9]),
            .unknown(type: STUNAttributeType(rawValue: 0x0031), value: []),
        ])
        let bytes = message.serialized()
        XCTAssertEqual(bytes.count % 4, 0)
        let parsed = try STUNMessage(parsing: bytes)
        XCTAssertEqual(parsed, message)
        XCTAssertEqual(parsed.parsedBytes, bytes)
        XCTAssertEqual(parsed.serialized(), bytes)
        XCTAssertEqual(parsed.errorCode, STUNErrorCode(code: 420))
        XCTAssertEqual(parsed.unknownComprehensionRequiredTypes, [STUNAttributeType(rawValue: 0x0031)])
        XCTAssertTrue(parsed.hasUseCandidate)
        XCTAssertEqual(parsed.iceControlling, 0x0102_0304_0506_0708)
        XCTAssertEqual(parsed.mappedAddress, TransportAddress("203.0.113.7", port: 1))
        // Changing a field forgets the original bytes.
        var modified = parsed
        modified.attributes.removeLast()
        XCTAssertNil(modified.parsedBytes)
    }

    func testIntegrityAndFingerprintRoundTrip() throws {
        let key = Array("a-password-of-twenty-two".utf8)
        for withFingerprint in [false, true] {
            let message = STUNMessage(messageClass: .request, transactionID: .random(using: &generator), attributes: [
                .username("x:y"), .priority(1), .software("odd-length"),
            ])
            let bytes = message.serialized(messageIntegrityKey: key, fingerprint: withFingerprint)
            let parsed = try STUNMessage(parsing: bytes)
            XCTAssertTrue(parsed.validateMessageIntegrity(key: key))
            XCTAssertFalse(parsed.validateMessageIntegrity(key: key + [1]))
            XCTAssertEqual(parsed.validateFingerprint(), withFingerprint)
            XCTAssertEqual(parsed.attributes.last?.type, withFingerprint ? .fingerprint : .messageIntegrity)
            // Re-signing drops the old MI/FINGERPRINT instead of stacking them.
            XCTAssertEqual(parsed.serialized(messageIntegrityKey: key, fingerprint: withFingerprint), bytes)
        }
        // A message built in code has no received bytes to verify.
        XCTAssertFalse(STUNMessage(messageClass: .request, transactionID: .random(using: &generator)).validateFingerprint())
    }

    func testAttributesAfterIntegrityAreIgnored() throws {
        let key: [UInt8] = Array("k".utf8)
        var bytes = STUNMessage(messageClass: .request, transactionID: .random(using: &generator), attributes: [.priority(7)])
            .serialized(messageIntegrityKey: key)
        // Append an (unauthenticated) USERNAME and USE-CANDIDATE after MESSAGE-INTEGRITY.
        bytes += [0x00, 0x06, 0x00, 0x03, 0x61, 0x3A, 0x62, 0x00, 0x00, 0x25, 0x00, 0x00]
        let length = bytes.count - 20
        bytes[2] = UInt8(length >> 8)
        bytes[3] = UInt8(length & 0xFF)
        let message = try STUNMessage(parsing: bytes)
        XCTAssertEqual(message.attributes.count, 4, "kept for re-serialization")
        XCTAssertNil(message.username)
        XCTAssertFalse(message.hasUseCandidate)
        XCTAssertEqual(message.priority, 7)
        XCTAssertTrue(message.validateMessageIntegrity(key: key), "MI covers only what precedes it")
        XCTAssertNil(STUNMessage.bindingRequestUsername(in: bytes))
    }

    func testParseErrors() {
        let good = STUNMessage(messageClass: .request, transactionID: .random(using: &generator),
                               attributes: [.software("abc")]).serialized()
        func error(_ bytes: [UInt8]) -> STUNParseError? {
            do { _ = try STUNMessage(parsing: bytes); return nil } catch { return error }
        }
        XCTAssertEqual(error(Array(good[..<19])), .tooShort(byteCount: 19))
        XCTAssertEqual(error(Array(good.dropLast())), .truncated(declared: 8, available: 7))
        var bad = good; bad[0] |= 0x80
        XCTAssertEqual(error(bad), .notSTUN)
        bad = good; bad[4] ^= 1
        XCTAssertEqual(error(bad), .notSTUN)
        bad = good; bad[3] = 6
        XCTAssertEqual(error(bad), .lengthNotMultipleOfFour(declared: 6))
        bad = good; bad[23] = 9  // SOFTWARE claims 9 bytes: with padding it overruns the message
        XCTAssertEqual(error(bad), .attributeOverrunsMessage(.software))
        bad = good; bad[3] = 4   // the message ends inside the attribute
        XCTAssertEqual(error(bad), .attributeOverrunsMessage(.software))
        // Trailing bytes beyond the declared length are not part of the message.
        XCTAssertEqual(try STUNMessage(parsing: good + [1, 2, 3]).parsedBytes, good)

        // A comprehension-required attribute with a bad value is an error...
        let badPriority = STUNMessage(messageClass: .request, transactionID: .random(using: &generator),
                                      attributes: [.unknown(type: .priority, value: [1, 2, 3])]).serialized()
        XCTAssertEqual(error(badPriority), .malformedAttribute(.priority))
        // ...a comprehension-optional one is kept raw.
        let badSoftware = STUNMessage(messageClass: .request, transactionID: .random(using: &generator),
                                      attributes: [.unknown(type: .software, value: [0xFF, 0xFE])]).serialized()
        XCTAssertEqual(try STUNMessage(parsing: badSoftware).attributes, [.unknown(type: .software, value: [0xFF, 0xFE])])
    }

    func testParsingFromRawBuffer() throws {
        let message = try RFC5769.request.withUnsafeBytes { try STUNMessage(parsing: $0) }
        XCTAssertTrue(message.validateFingerprint())
    }
}
