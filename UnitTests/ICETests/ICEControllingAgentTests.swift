import ICE
import STUN
import XCTest

/// The controlling agent facing a full-ICE peer, and its timing rules.
final class ICEControllingAgentTests: XCTestCase {
    func makeAgent(candidates: [TransportAddress] = [serverAddress]) -> ICEControllingAgent {
        ICEControllingAgent(local: clientCredentials, remoteUfrag: serverCredentials.ufrag,
                            remotePassword: serverCredentials.password, remoteCandidates: candidates, tieBreaker: 5)
    }

    /// A check the full-ICE server would send to the client: "cliUfrag:srvUfrag", client's password.
    private func peerCheck(controlling: Bool = false) -> [UInt8] {
        makeCheck(username: "cliUfrag:srvUfrag", password: clientCredentials.password,
                  extra: [controlling ? .iceControlling(tieBreaker: 9) : .iceControlled(tieBreaker: 9)])
    }

    func testAnswersAFullICEPeerAndRejectsASecondController() throws {
        var agent = makeAgent()
        _ = agent.start(nowNanos: 0)
        var output = agent.handle(peerCheck(), from: serverAddress, nowNanos: 1)
        XCTAssertEqual(output.requestOutcome, .accepted)
        let response = try STUNMessage(parsing: try XCTUnwrap(output.outgoing.first?.bytes))
        XCTAssertEqual(output.outgoing.first?.to, serverAddress)
        XCTAssertEqual(response.messageClass, .successResponse)
        XCTAssertEqual(response.xorMappedAddress, serverAddress)
        XCTAssertTrue(response.validateMessageIntegrity(password: clientCredentials.password))

        output = agent.handle(peerCheck(controlling: true), from: serverAddress, nowNanos: 2)
        XCTAssertEqual(output.requestOutcome, .rejected(.roleConflict))
        XCTAssertEqual(try STUNMessage(parsing: output.outgoing[0].bytes).errorCode?.code, 487)

        output = agent.handle(makeCheck(username: "cliUfrag:srvUfrag", password: "wrong"), from: serverAddress, nowNanos: 3)
        XCTAssertEqual(output.requestOutcome, .rejected(.unauthenticated))
    }

    func testCheckFromUnknownAddressTriggersACheckBack() throws {
        var agent = makeAgent()
        _ = agent.start(nowNanos: 0)
        let reflexive = TransportAddress("198.51.100.4", port: 40000)!
        let output = agent.handle(peerCheck(), from: reflexive, nowNanos: 10 * millisecond)
        XCTAssertEqual(output.requestOutcome, .accepted)
        // RFC 8445 §7.3.1.4: the next paced check goes to the peer-reflexive address.
        let deadline = try XCTUnwrap(agent.nextDeadlineNanos)
        XCTAssertEqual(deadline, 50 * millisecond)
        let next = agent.tick(nowNanos: deadline)
        XCTAssertEqual(next.outgoing.map(\.to), [reflexive])
    }

    func testRetransmissionPolicySchedule() {
        let policy = STUNRetransmissionPolicy()
        XCTAssertEqual(policy.initialRTONanos, 500 * millisecond)
        XCTAssertEqual(policy.maxTransmissions, 7)
        // Total time to a timeout with RFC 8489 defaults: 39.5 s.
        var agent = ICEControllingAgent(local: clientCredentials, remoteUfrag: "srvUfrag", remotePassword: "x",
                                        remoteCandidates: [serverAddress], tieBreaker: 1,
                                        configuration: .init(connectTimeoutNanos: 100 * second))
        var sendTimes: [UInt64] = []
        sendTimes += agent.start(nowNanos: 0).map { _ in 0 }
        var events: [ICEControllingAgent.Event] = []
        while let deadline = agent.nextDeadlineNanos {
            let output = agent.tick(nowNanos: deadline)
            sendTimes += output.outgoing.map { _ in deadline }
            events += output.events
        }
        XCTAssertEqual(sendTimes.map { $0 / millisecond }, [0, 500, 1500, 3500, 7500, 15500, 31500])
        XCTAssertEqual(events, [.failed(.allChecksFailed)])
        XCTAssertEqual(agent.state, .failed(.allChecksFailed))
    }

    func testNoCandidatesFailsOnFirstTick() {
        var agent = makeAgent(candidates: [])
        XCTAssertTrue(agent.start(nowNanos: 0).isEmpty)
        let deadline = agent.nextDeadlineNanos
        XCTAssertEqual(deadline, 0)
        XCTAssertEqual(agent.tick(nowNanos: 0).events, [.failed(.allChecksFailed)])
    }

    func testIgnoresResponsesNotSignedWithThePeerPassword() throws {
        var agent = makeAgent()
        let request = try STUNMessage(parsing: agent.start(nowNanos: 0)[0].bytes)
        let forged = STUNMessage(messageClass: .successResponse, transactionID: request.transactionID,
                                 attributes: [.xorMappedAddress(clientAddress)])
        for bytes in [forged.serialized(fingerprint: true),
                      forged.serialized(messageIntegrityKey: Array("guess".utf8), fingerprint: true)] {
            let output = agent.handle(bytes, from: serverAddress, nowNanos: 1)
            XCTAssertTrue(output.outgoing.isEmpty)
            XCTAssertTrue(output.events.isEmpty)
        }
        XCTAssertEqual(agent.state, .checking)
        // The genuine answer still works afterwards.
        let genuine = forged.serialized(messageIntegrityKey: Array(serverCredentials.password.utf8), fingerprint: true)
        let output = agent.handle(genuine, from: serverAddress, nowNanos: 2)
        XCTAssertEqual(output.outgoing.count, 1, "the nominating check")
        XCTAssertTrue(try STUNMessage(parsing: output.outgoing[0].bytes).hasUseCandidate)
    }
}

extension ICEControllingAgentTests {
    func testFailedNominationFallsBackToTheNextPair() throws {
        let first = TransportAddress("10.0.0.1", port: 1000)!
        let backup = TransportAddress("10.0.0.1", port: 2000)!
        var lite = ICELiteAgent(local: serverCredentials, remoteUfrag: nil, remotePassword: nil)
        var agent = ICEControllingAgent(local: clientCredentials, remoteUfrag: serverCredentials.ufrag,
                                        remotePassword: serverCredentials.password,
                                        remoteCandidates: [first, backup], tieBreaker: 3)
        func answer(_ packet: ICEControllingAgent.Outgoing, at now: UInt64) -> ICEControllingAgent.Output {
            let response = lite.handleBindingRequest(packet.bytes, from: clientAddress, nowNanos: now).response!
            return agent.handle(response, from: packet.to, nowNanos: now)
        }

        // The first pair succeeds and is nominated at once (nothing better is running)...
        let nomination = answer(agent.start(nowNanos: 0)[0], at: 0).outgoing
        XCTAssertEqual(nomination.map(\.to), [first])
        XCTAssertTrue(try STUNMessage(parsing: nomination[0].bytes).hasUseCandidate)
        // ...but the nominating check is refused.
        let refusal = STUNMessage(messageClass: .errorResponse,
                                  transactionID: try STUNMessage(parsing: nomination[0].bytes).transactionID,
                                  attributes: [.errorCode(.badRequest)]).serialized(fingerprint: true)
        XCTAssertTrue(agent.handle(refusal, from: first, nowNanos: 1).outgoing.isEmpty)

        // The backup pair is checked at the next pacing slot and nominated.
        XCTAssertEqual(agent.nextDeadlineNanos, 50 * millisecond)
        let check = agent.tick(nowNanos: 50 * millisecond).outgoing
        XCTAssertEqual(check.map(\.to), [backup])
        let nominateBackup = answer(check[0], at: 50 * millisecond).outgoing
        XCTAssertEqual(nominateBackup.map(\.to), [backup])
        XCTAssertEqual(answer(nominateBackup[0], at: 51 * millisecond).events, [.connected(backup)])
        XCTAssertEqual(agent.selectedRemote, backup)
    }

    func testTrickledCandidateIsChecked() {
        var agent = makeAgent(candidates: [])
        XCTAssertTrue(agent.start(nowNanos: 0).isEmpty)
        agent.addRemoteCandidate(serverAddress)
        XCTAssertEqual(agent.tick(nowNanos: 0).outgoing.map(\.to), [serverAddress])
    }
}
