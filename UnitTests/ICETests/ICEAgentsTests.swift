import ICE
import STUN
import XCTest

/// The lite server and the controlling client talking to each other in memory.
final class ICEAgentsTests: XCTestCase {
    func testConnectsWithRegularNomination() throws {
        var harness = Harness()
        harness.start()

        XCTAssertEqual(harness.sentToServer.count, 2, "one plain check, then the nominating one")
        let first = try STUNMessage(parsing: harness.sentToServer[0].bytes)
        let second = try STUNMessage(parsing: harness.sentToServer[1].bytes)
        XCTAssertFalse(first.hasUseCandidate)
        XCTAssertTrue(second.hasUseCandidate)
        XCTAssertEqual(first.username, "srvUfrag:cliUfrag")
        XCTAssertEqual(first.iceControlling, 0x1234_5678_9ABC_DEF0)
        XCTAssertEqual(first.priority, ICEPriority.candidate(type: .peerReflexive))
        XCTAssertTrue(first.validateFingerprint())

        XCTAssertEqual(harness.liteOutcomes, [.accepted, .accepted])
        XCTAssertEqual(harness.liteEvents, [.tupleValidated(clientAddress), .selectedTupleChanged(clientAddress)])
        XCTAssertEqual(harness.clientEvents, [.connected(serverAddress)])
        XCTAssertEqual(harness.client.state, .connected(serverAddress))
        XCTAssertEqual(harness.client.selectedRemote, serverAddress)
        XCTAssertEqual(harness.lite.state, .connected)
        XCTAssertEqual(harness.lite.selectedTuple, clientAddress)
        XCTAssertTrue(harness.lite.isValidated(clientAddress))
        XCTAssertFalse(harness.lite.isValidated(serverAddress))
    }

    func testConsentKeepsBothSidesAliveThenSilenceExpiresThem() throws {
        var harness = Harness()
        harness.start()
        let connectedAt = harness.now
        harness.run(until: connectedAt + 120 * second)
        XCTAssertEqual(harness.clientEvents, [.connected(serverAddress)])
        XCTAssertNil(harness.liteExpiredAt)
        XCTAssertEqual(harness.lite.state, .connected)

        // RFC 7675 §5.1: one check every 5 s ± 20 %.
        let consentTimes = harness.sentToServer.dropFirst(2).map(\.time)
        XCTAssertGreaterThanOrEqual(consentTimes.count, 20)
        XCTAssertLessThanOrEqual(consentTimes.count, 30)
        for (earlier, later) in zip([connectedAt] + consentTimes, consentTimes) {
            XCTAssertGreaterThanOrEqual(later - earlier, 4 * second)
            XCTAssertLessThanOrEqual(later - earlier, 6 * second)
        }

        // Now the network goes silent in both directions.
        harness.dropToServer = true
        let lastCheckAt = consentTimes.last!
        harness.run(until: harness.now + 60 * second)
        XCTAssertEqual(harness.liteExpiredAt, lastCheckAt + 30 * second)
        XCTAssertEqual(harness.lite.state, .expired)
        XCTAssertEqual(harness.clientEvents, [.connected(serverAddress), .failed(.consentExpired)])
        XCTAssertEqual(harness.client.state, .failed(.consentExpired))
        XCTAssertNil(harness.client.nextDeadlineNanos)
        XCTAssertNil(harness.lite.nextDeadlineNanos)
    }

    func testLiteExpiresAfterThirtySecondsWithoutChecks() {
        var harness = Harness()
        harness.start()
        let lastCheck = harness.now
        XCTAssertEqual(harness.lite.nextDeadlineNanos, lastCheck + 30 * second)
        XCTAssertEqual(harness.lite.tick(nowNanos: lastCheck + 30 * second - 1), .none)
        XCTAssertEqual(harness.lite.tick(nowNanos: lastCheck + 30 * second), .expired)
        XCTAssertEqual(harness.lite.tick(nowNanos: lastCheck + 31 * second), .none, "reported once")
        // RFC 7675 §5.2: an expired agent no longer answers.
        let result = harness.lite.handleBindingRequest(makeCheck(), from: clientAddress, nowNanos: lastCheck + 32 * second)
        XCTAssertNil(result.response)
        XCTAssertEqual(result.outcome, .ignored(.agentStopped))
    }

    func testLiteExpiresWhenNoCheckEverArrives() {
        var lite = ICELiteAgent(local: serverCredentials, remoteUfrag: nil, remotePassword: nil,
                                configuration: .init(consentTimeoutNanos: 10 * second))
        XCTAssertNil(lite.nextDeadlineNanos, "the clock starts with the first call that passes a time")
        XCTAssertEqual(lite.tick(nowNanos: 5 * second), .none)
        XCTAssertEqual(lite.nextDeadlineNanos, 15 * second)
        XCTAssertEqual(lite.tick(nowNanos: 15 * second), .expired)
        XCTAssertEqual(lite.state, .expired)
    }

    func testRetransmitsWhenTheFirstRequestIsDropped() throws {
        var harness = Harness()
        let start = harness.now
        harness.dropToServer = true
        harness.start()
        XCTAssertEqual(harness.sentToServer.count, 1)
        XCTAssertEqual(harness.client.nextDeadlineNanos, start + 500 * millisecond)

        harness.dropToServer = false
        harness.run(until: start + 499 * millisecond)
        XCTAssertEqual(harness.sentToServer.count, 1, "nothing before the RTO")
        harness.run(until: start + 500 * millisecond)
        XCTAssertEqual(harness.sentToServer.count, 3, "retransmission, then the nomination")
        XCTAssertEqual(harness.sentToServer[1].bytes, harness.sentToServer[0].bytes, "same transaction, same bytes")
        XCTAssertEqual(harness.clientEvents, [.connected(serverAddress)])
    }

    func testRetransmissionBacksOffUntilTheConnectTimeout() {
        var harness = Harness()
        let start = harness.now
        harness.dropToServer = true
        harness.start()
        harness.run(until: start + 60 * second)
        // RFC 8489 §6.2.1: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s — cut by the 30 s connect timeout.
        XCTAssertEqual(harness.sentToServer.map { ($0.time - start) / millisecond }, [0, 500, 1500, 3500, 7500, 15500])
        XCTAssertEqual(harness.clientEvents, [.failed(.connectTimeout)])
        XCTAssertEqual(harness.client.state, .failed(.connectTimeout))
    }

    func testWrongPasswordIsRejectedWith401AndTheClientFails() throws {
        var harness = Harness(clientKnowsPassword: "notTheServerPassword1234")
        var response: [UInt8]?
        for packet in harness.client.start(nowNanos: harness.now) {
            let result = harness.lite.handleBindingRequest(packet.bytes, from: clientAddress, nowNanos: harness.now)
            XCTAssertEqual(result.outcome, .rejected(.unauthenticated))
            XCTAssertTrue(result.events.isEmpty)
            response = result.response
        }
        let message = try STUNMessage(parsing: try XCTUnwrap(response))
        XCTAssertEqual(message.messageClass, .errorResponse)
        XCTAssertEqual(message.errorCode?.code, 401)
        XCTAssertFalse(message.hasMessageIntegrity, "nothing to sign with")
        XCTAssertTrue(message.validateFingerprint())
        XCTAssertNil(harness.lite.selectedTuple)

        let output = harness.client.handle(response!, from: serverAddress, nowNanos: harness.now)
        XCTAssertEqual(output.events, [.failed(.allChecksFailed)])
    }

    func testResponseFromAnotherAddressFailsThePair() {
        var harness = Harness()
        let packets = harness.client.start(nowNanos: harness.now)
        let result = harness.lite.handleBindingRequest(packets[0].bytes, from: clientAddress, nowNanos: harness.now)
        let output = harness.client.handle(result.response!, from: TransportAddress("10.9.9.9", port: 3478)!,
                                           nowNanos: harness.now)
        // RFC 8445 §7.2.5.2.1: non-symmetric → failed.
        XCTAssertEqual(output.events, [.failed(.allChecksFailed)])
    }

    func testGarbageIsIgnoredByBothAgents() {
        var harness = Harness()
        harness.start()
        var generator = SystemRandomNumberGenerator()
        let check = makeCheck()
        var inputs: [[UInt8]] = [[], [0], [0x80, 0x60, 0, 1], Array(check.prefix(30)), Array(repeating: 0, count: 20)]
        for _ in 0..<200 { inputs.append((0..<Int.random(in: 0..<100, using: &generator)).map { _ in UInt8.random(in: 0...255) }) }
        for input in inputs {
            let result = harness.lite.handleBindingRequest(input, from: clientAddress, nowNanos: harness.now)
            XCTAssertNil(result.response)
            XCTAssertTrue(result.events.isEmpty)
            let output = harness.client.handle(input, from: serverAddress, nowNanos: harness.now)
            XCTAssertTrue(output.outgoing.isEmpty)
            XCTAssertTrue(output.events.isEmpty)
        }
        XCTAssertEqual(harness.lite.handleBindingRequest(Array(repeating: 0, count: 20), from: clientAddress,
                                                         nowNanos: harness.now).outcome, .ignored(.malformed))
        XCTAssertEqual(harness.client.state, .connected(serverAddress))
        XCTAssertEqual(harness.lite.state, .connected)
    }

    func testPrefersTheFirstCandidateButNominatesAWorkingOne() {
        let dead = TransportAddress("192.0.2.99", port: 9)!
        var lite = ICELiteAgent(local: serverCredentials, remoteUfrag: nil, remotePassword: nil)
        var client = ICEControllingAgent(local: clientCredentials, remoteUfrag: serverCredentials.ufrag,
                                         remotePassword: serverCredentials.password,
                                         remoteCandidates: [dead, serverAddress], tieBreaker: 1)
        var now: UInt64 = 0
        var events: [ICEControllingAgent.Event] = []
        func deliver(_ packets: [ICEControllingAgent.Outgoing]) {
            var queue = packets
            while !queue.isEmpty {
                let packet = queue.removeFirst()
                guard packet.to == serverAddress else { continue }  // the first candidate is unreachable
                guard let response = lite.handleBindingRequest(packet.bytes, from: clientAddress, nowNanos: now).response
                else { continue }
                let output = client.handle(response, from: serverAddress, nowNanos: now)
                events += output.events
                queue += output.outgoing
            }
        }
        deliver(client.start(nowNanos: now))
        while events.isEmpty, let deadline = client.nextDeadlineNanos, deadline < 5 * second {
            now = deadline
            let output = client.tick(nowNanos: now)
            events += output.events
            deliver(output.outgoing)
        }
        // The second pair succeeds at 50 ms (pacing); the better one is still retransmitting, so
        // nomination waits `nominationWaitNanos` (500 ms) for it.
        XCTAssertEqual(events, [.connected(serverAddress)])
        XCTAssertEqual(now, 550 * millisecond)
    }
}
