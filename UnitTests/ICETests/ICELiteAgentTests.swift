import ICE
import STUN
import XCTest

/// The lite server against hand-made checks: what browsers send, and what they must not.
final class ICELiteAgentTests: XCTestCase {
    private func makeAgent() -> ICELiteAgent {
        ICELiteAgent(local: serverCredentials, remoteUfrag: clientCredentials.ufrag,
                     remotePassword: clientCredentials.password, nowNanos: 0)
    }

    func testSuccessResponseCarriesMappedAddressIntegrityAndFingerprint() throws {
        var agent = makeAgent()
        let id = STUNTransactionID.random()
        let source = TransportAddress("2001:db8::7", port: 61000)!
        let result = agent.handleBindingRequest(makeCheck(transactionID: id), from: source, nowNanos: 1)
        XCTAssertEqual(result.outcome, .accepted)
        let response = try STUNMessage(parsing: try XCTUnwrap(result.response))
        XCTAssertEqual(response.messageClass, .successResponse)
        XCTAssertEqual(response.method, .binding)
        XCTAssertEqual(response.transactionID, id)
        XCTAssertEqual(response.xorMappedAddress, source)
        XCTAssertTrue(response.validateMessageIntegrity(password: serverCredentials.password), "signed with the local pwd")
        XCTAssertTrue(response.validateFingerprint())
        XCTAssertEqual(response.attributes.last?.type, .fingerprint)
    }

    func testMissingIntegrityOrUsernameGets400() throws {
        var agent = makeAgent()
        for bytes in [makeCheck(password: nil), makeCheck(username: nil)] {
            let result = agent.handleBindingRequest(bytes, from: clientAddress, nowNanos: 1)
            XCTAssertEqual(result.outcome, .rejected(.badRequest))
            let response = try STUNMessage(parsing: try XCTUnwrap(result.response))
            XCTAssertEqual(response.errorCode?.code, 400)
            XCTAssertEqual(response.transactionID, try STUNMessage(parsing: bytes).transactionID)
            XCTAssertFalse(response.hasMessageIntegrity)
        }
        XCTAssertNil(agent.selectedTuple)
        XCTAssertEqual(agent.state, .new)
    }

    func testUnknownUfragOrWrongPasswordGets401() {
        var agent = makeAgent()
        let checks = [
            makeCheck(username: "otherUfrag:cliUfrag"),
            makeCheck(username: "srvUfrag:someoneElse"),  // the peer's ufrag is known and differs
            makeCheck(username: "srvUfrag"),              // no colon
            makeCheck(password: "wrongPassword0123456789x"),
        ]
        for bytes in checks {
            let result = agent.handleBindingRequest(bytes, from: clientAddress, nowNanos: 1)
            XCTAssertEqual(result.outcome, .rejected(.unauthenticated))
            XCTAssertEqual((try? STUNMessage(parsing: result.response ?? []))?.errorCode?.code, 401)
        }
        XCTAssertTrue(agent.validatedTuples.isEmpty)
    }

    func testUnknownComprehensionRequiredAttributeGets420ButOptionalOnesAreIgnored() throws {
        var agent = makeAgent()
        let unknown = STUNAttributeType(rawValue: 0x0031)
        let result = agent.handleBindingRequest(makeCheck(extra: [.unknown(type: unknown, value: [1, 2, 3, 4])]),
                                                from: clientAddress, nowNanos: 1)
        XCTAssertEqual(result.outcome, .rejected(.unknownAttribute))
        let response = try STUNMessage(parsing: try XCTUnwrap(result.response))
        XCTAssertEqual(response.attribute(.unknownAttributes), .unknownAttributes([unknown]))
        XCTAssertTrue(response.validateMessageIntegrity(password: serverCredentials.password), "authenticated → signed")

        // Chrome's GOOG-NETWORK-INFO (0xC057) is comprehension-optional.
        let chrome = makeCheck(extra: [.iceControlling(tieBreaker: 1), .unknown(type: STUNAttributeType(rawValue: 0xC057),
                                                                              value: [0, 1, 0, 10])])
        XCTAssertEqual(agent.handleBindingRequest(chrome, from: clientAddress, nowNanos: 2).outcome, .accepted)
    }

    func testMissingPriorityGetsSigned400() throws {
        var agent = makeAgent()
        let result = agent.handleBindingRequest(makeCheck(priority: nil), from: clientAddress, nowNanos: 1)
        XCTAssertEqual(result.outcome, .rejected(.badRequest))
        XCTAssertTrue(try STUNMessage(parsing: result.response!).validateMessageIntegrity(password: serverCredentials.password))
    }

    func testBadFingerprintAndNonRequestsAreIgnored() {
        var agent = makeAgent()
        var bytes = makeCheck()
        bytes[bytes.count - 1] ^= 0xFF
        XCTAssertEqual(agent.handleBindingRequest(bytes, from: clientAddress, nowNanos: 1).outcome, .ignored(.badFingerprint))
        let indication = STUNMessage(messageClass: .indication, transactionID: .random()).serialized(fingerprint: true)
        XCTAssertEqual(agent.handleBindingRequest(indication, from: clientAddress, nowNanos: 1).outcome,
                       .ignored(.unexpectedMessage))
        XCTAssertEqual(agent.handleBindingRequest(RFC5769Response.ipv4, from: clientAddress, nowNanos: 1).outcome,
                       .ignored(.unexpectedMessage))
        // A check without FINGERPRINT is still answered: MESSAGE-INTEGRITY authenticates it.
        XCTAssertEqual(agent.handleBindingRequest(makeCheck(fingerprint: false), from: clientAddress, nowNanos: 1).outcome,
                       .accepted)
    }

    func testIceControlledPeerIsAnsweredNot487() {
        var agent = makeAgent()
        let result = agent.handleBindingRequest(makeCheck(extra: [.iceControlled(tieBreaker: .max)]),
                                                from: clientAddress, nowNanos: 1)
        XCTAssertEqual(result.outcome, .accepted)
    }

    func testFirstTupleIsProvisionalThenHighestPriorityNominationWins() {
        var agent = makeAgent()
        let a = TransportAddress("10.0.0.2", port: 1)!
        let b = TransportAddress("10.0.0.2", port: 2)!
        let c = TransportAddress("10.0.0.2", port: 3)!
        let d = TransportAddress("10.0.0.2", port: 4)!

        var result = agent.handleBindingRequest(makeCheck(priority: 500), from: a, nowNanos: 1 * second)
        XCTAssertEqual(result.events, [.tupleValidated(a), .selectedTupleChanged(a)], "provisional")
        result = agent.handleBindingRequest(makeCheck(priority: 300), from: b, nowNanos: 2 * second)
        XCTAssertEqual(result.events, [.tupleValidated(b)], "not nominated: selection stays")
        result = agent.handleBindingRequest(makeCheck(priority: 100, useCandidate: true), from: b, nowNanos: 3 * second)
        XCTAssertEqual(result.events, [.selectedTupleChanged(b)], "a nomination beats the provisional choice")
        result = agent.handleBindingRequest(makeCheck(priority: 50, useCandidate: true), from: c, nowNanos: 4 * second)
        XCTAssertEqual(result.events, [.tupleValidated(c)], "lower-priority nomination does not win")
        XCTAssertEqual(agent.selectedTuple, b)
        result = agent.handleBindingRequest(makeCheck(priority: 200, useCandidate: true), from: d, nowNanos: 5 * second)
        XCTAssertEqual(result.events, [.tupleValidated(d), .selectedTupleChanged(d)])
        // Re-nominating b (lower) later does not move the selection back: highest, not latest.
        result = agent.handleBindingRequest(makeCheck(priority: 100, useCandidate: true), from: b, nowNanos: 6 * second)
        XCTAssertEqual(result.events, [])
        XCTAssertEqual(agent.selectedTuple, d)
        XCTAssertEqual(agent.validatedTuples, [a, b, c, d])

        // d falls silent while c keeps being checked: once d is stale (12 s), c takes over.
        result = agent.handleBindingRequest(makeCheck(priority: 50, useCandidate: true), from: c, nowNanos: 16 * second)
        XCTAssertEqual(result.events, [], "d (checked at 5 s) is not stale yet: it keeps the selection")
        XCTAssertEqual(agent.selectedTuple, d)
        result = agent.handleBindingRequest(makeCheck(priority: 50, useCandidate: true), from: c, nowNanos: 18 * second + 1)
        XCTAssertEqual(result.events, [.selectedTupleChanged(c)])
    }

    func testRestartAcceptsOldCredentialsUntilTheNewOnesAreUsed() {
        var agent = makeAgent()
        XCTAssertEqual(agent.handleBindingRequest(makeCheck(useCandidate: true), from: clientAddress, nowNanos: 1).outcome,
                       .accepted)
        let newServer = ICECredentials(ufrag: "newSrv01", password: "newServerPassword0123456")
        agent.restart(local: newServer, remoteUfrag: "newCli01", remotePassword: "newClientPassword0123456")
        // Old credentials still work meanwhile.
        XCTAssertEqual(agent.handleBindingRequest(makeCheck(), from: clientAddress, nowNanos: 2).outcome, .accepted)
        let fresh = makeCheck(username: "newSrv01:newCli01", password: newServer.password)
        XCTAssertEqual(agent.handleBindingRequest(fresh, from: clientAddress, nowNanos: 3).outcome, .accepted)
        // Once the new ones were used, the old ones are gone.
        XCTAssertEqual(agent.handleBindingRequest(makeCheck(), from: clientAddress, nowNanos: 4).outcome,
                       .rejected(.unauthenticated))
        XCTAssertEqual(agent.selectedTuple, clientAddress)
        XCTAssertEqual(agent.localCredentials, newServer)
    }

    func testCloseRevokesConsent() {
        var agent = makeAgent()
        XCTAssertEqual(agent.handleBindingRequest(makeCheck(), from: clientAddress, nowNanos: 1).outcome, .accepted)
        agent.close()
        XCTAssertEqual(agent.state, .closed)
        XCTAssertNil(agent.handleBindingRequest(makeCheck(), from: clientAddress, nowNanos: 2).response)
        XCTAssertNil(agent.nextDeadlineNanos)
        XCTAssertEqual(agent.tick(nowNanos: 100 * second), .none)
    }

    func testValidatedTuplesAreBounded() {
        var agent = ICELiteAgent(local: serverCredentials, remoteUfrag: nil, remotePassword: nil,
                                 configuration: .init(maxValidatedTuples: 4))
        for port in 1...10 {
            _ = agent.handleBindingRequest(makeCheck(), from: TransportAddress(ipv4: 0x0A00_0002, port: UInt16(port)),
                                           nowNanos: UInt64(port))
        }
        XCTAssertEqual(agent.validatedTuples.count, 4)
        XCTAssertEqual(agent.selectedTuple, TransportAddress(ipv4: 0x0A00_0002, port: 1), "the selection is never evicted")
        XCTAssertTrue(agent.isValidated(TransportAddress(ipv4: 0x0A00_0002, port: 10)))
    }

    func testRoutingUfragAndCredentials() {
        XCTAssertEqual(ICERouting.recipientUfrag(ofBindingRequest: makeCheck()), "srvUfrag")
        XCTAssertNil(ICERouting.recipientUfrag(ofBindingRequest: [0x80, 0x00, 0x00, 0x00]))
        let credentials = ICECredentials.random()
        XCTAssertEqual(credentials.ufrag.count, 8)
        XCTAssertEqual(credentials.password.count, 24)
        XCTAssertTrue((credentials.ufrag + credentials.password).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        XCTAssertNotEqual(ICECredentials.random(), credentials)
        XCTAssertEqual(ICEPriority.candidate(type: .host), 2_130_706_431)
        XCTAssertEqual(ICEPriority.pair(controlling: 2, controlled: 1), (1 << 32) + 4 + 1)
    }
}

/// RFC 5769 §2.2, as a response a server must ignore.
enum RFC5769Response {
    static let ipv4: [UInt8] = [
        0x01, 0x01, 0x00, 0x3C, 0x21, 0x12, 0xA4, 0x42, 0xB7, 0xE7, 0xA7, 0x01, 0xBC, 0x34, 0xD6, 0x86, 0xFA, 0x87, 0xDF, 0xAE,
        0x80, 0x22, 0x00, 0x0B, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6F, 0x72, 0x20,
        0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xA1, 0x47, 0xE1, 0x12, 0xA6, 0x43,
        0x00, 0x08, 0x00, 0x14, 0x2B, 0x91, 0xF5, 0x99, 0xFD, 0x9E, 0x90, 0xC3, 0x8C, 0x74, 0x89, 0xF9, 0x2A, 0xF9, 0xBA, 0x53,
        0xF0, 0x6B, 0xE7, 0xD7, 0x80, 0x28, 0x00, 0x04, 0xC0, 0x7D, 0x4C, 0x96,
    ]
}
