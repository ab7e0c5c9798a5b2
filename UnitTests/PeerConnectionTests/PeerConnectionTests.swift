import ICE
import PeerConnection
import RTP
import STUN
import XCTest

/// A controlling DTLS client and an ICE-lite DTLS server, back to back in memory.
final class PeerConnectionTests: XCTestCase {
    func testHandshakeConnectsBothSidesAndMediaFlowsBothWays() throws {
        let pair = PeerPair()
        try pair.connect()
        XCTAssertTrue(pair.client.isConnected)
        XCTAssertTrue(pair.server.isConnected)
        XCTAssertEqual(pair.client.selectedPath, serverAddress)
        XCTAssertEqual(pair.server.selectedPath, clientAddress)
        XCTAssertEqual(pair.serverEvents, [.pathValidated(clientAddress), .selectedPathChanged(clientAddress),
                                           .connected(.aeadAES128GCM)])
        XCTAssertEqual(pair.clientEvents, [.selectedPathChanged(serverAddress), .connected(.aeadAES128GCM)])

        pair.sendRTP(from: .client, ssrc: 0x1111, sequence: 1, payload: [1, 2, 3, 4])
        pair.sendRTP(from: .server, ssrc: 0x2222, sequence: 7, payload: [9, 8, 7])
        let pli = RTCPPacket.pictureLossIndication(.init(senderSSRC: 0x2222, mediaSSRC: 0x1111))
        pair.sendRTCP(from: .server, [pli])
        XCTAssertEqual(pair.serverReceived, [.rtp(ssrc: 0x1111, payload: [1, 2, 3, 4])])
        XCTAssertEqual(pair.clientReceived, [.rtp(ssrc: 0x2222, payload: [9, 8, 7]), .rtcp([pli])])
        XCTAssertEqual(pair.server.statistics.total, 0)
    }

    func testNothingIsSentBeforeStartAndNoMediaBeforeKeys() throws {
        let pair = PeerPair()
        var output = PeerConnection.Output()
        pair.server.tick(nowNanos: pair.now, into: &output)
        XCTAssertTrue(output.isEmpty)
        XCTAssertNil(pair.server.nextDeadlineNanos)
        var packet = [UInt8](repeating: 0x80, count: 64)
        XCTAssertNil(packet.withUnsafeMutableBytes { pair.client.protectRTP($0.baseAddress!, length: 20, capacity: 64) })
    }

    func testHandshakeSurvivesADroppedFlight() throws {
        // Drop the server's first flight (ServerHello … ServerHelloDone): the client's
        // retransmission timer (100 ms first, OpenSSL's own clock) resends the ClientHello.
        let pair = PeerPair()
        var droppedServerFlight = false
        pair.deliverFilter = { bytes, toServer in
            if !toServer, isDTLS(bytes), !droppedServerFlight {
                droppedServerFlight = true
                return false
            }
            return true
        }
        try pair.start()
        XCTAssertTrue(pair.run { pair.client.isConnected && pair.server.isConnected })
        XCTAssertTrue(droppedServerFlight)
        XCTAssertGreaterThan(pair.droppedCount, 0)
        pair.sendRTP(from: .client, ssrc: 5, sequence: 100, payload: [5])
        XCTAssertEqual(pair.serverReceived, [.rtp(ssrc: 5, payload: [5])])
    }

    func testAuthenticatedMediaKeepsALiteConnectionAliveWithoutChecks() throws {
        // GStreamer's webrtcbin sends media and no consent checks once connected (FIELD-NOTES).
        // Here the client's checks never arrive; it does not give up on its own consent.
        let pair = PeerPair(clientConfiguration: .init(controlling: .init(consentTimeoutNanos: 1_000 * second)))
        try pair.connect()
        pair.deliverFilter = { bytes, toServer in !(toServer && isSTUN(bytes)) }
        var sequence: UInt16 = 0
        pair.jump(by: 120 * second) {
            sequence &+= 1
            pair.sendRTP(from: .client, ssrc: 1, sequence: sequence, payload: [0])
        }
        XCTAssertTrue(pair.server.isConnected, "120 s of media and no checks")
        XCTAssertFalse(pair.serverEvents.contains { $0.isClosed })

        // Then the client goes silent: consent expires 30 s after the last authenticated packet.
        pair.deliverFilter = { _, _ in false }
        pair.jump(by: 29 * second)
        XCTAssertTrue(pair.server.isConnected)
        pair.jump(by: 2 * second)
        XCTAssertEqual(pair.server.state, .closed(.consentExpired))
        XCTAssertEqual(pair.serverEvents.last, .closed(.consentExpired))
        XCTAssertEqual("\(PeerConnection.CloseReason.consentExpired)", "ICE consent expired")
    }

    func testAConnectionThatNeverConnectsIsClosedAfterTheConnectTimeout() throws {
        // A WHIP client that takes the answer and never sends a check: its session goes after
        // 10 s, not after the 30 s consent timeout.
        let pair = PeerPair()
        pair.deliverFilter = { _, _ in false }
        try pair.start()
        pair.jump(by: 9 * second)
        XCTAssertFalse(pair.server.isClosed)
        XCTAssertLessThanOrEqual(pair.server.nextDeadlineNanos ?? .max, pair.now + 1 * second + 1)
        pair.jump(by: 2 * second)
        XCTAssertEqual(pair.server.state, .closed(.connectTimedOut(seconds: 10)))
        XCTAssertEqual("\(PeerConnection.CloseReason.connectTimedOut(seconds: 10))", "not connected within 10.0 s")
        XCTAssertTrue(pair.client.isClosed)
    }

    func testAConnectedConnectionHasNoConnectDeadline() throws {
        let pair = PeerPair()
        try pair.connect()
        var sequence: UInt16 = 0
        pair.jump(by: 20 * second) {
            sequence &+= 1
            pair.sendRTP(from: .client, ssrc: 1, sequence: sequence, payload: [0])
        }
        XCTAssertTrue(pair.server.isConnected)
        XCTAssertTrue(pair.client.isConnected)
    }

    /// RFC 6347 §4.1.2.7: a DTLS record that does not decrypt, sent from the peer's own address
    /// (anyone on its path can), is dropped; the session stays, no alert goes to the peer, and
    /// media keeps flowing both ways.
    func testASpoofedDTLSRecordEndsNothing() throws {
        let pair = PeerPair()
        try pair.connect()
        let spoofed: [[UInt8]] = [
            // application_data, DTLS 1.2, epoch 1, sequence 9, length 1: 14 bytes.
            [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0x42],
            // An alert at epoch 1 whose "ciphertext" is garbage.
            [21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 10, 0, 26] + [UInt8](repeating: 0x5A, count: 26),
            // A handshake record at epoch 0, as if a new ClientHello began.
            [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 50, 0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            // A record header claiming more bytes than the datagram has.
            [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 11, 0x40, 0],
        ]
        for datagram in spoofed {
            // Whatever the server answered reaches the client: an alert would end it there.
            pair.receive(datagram, at: .server, from: clientAddress)
            XCTAssertTrue(pair.server.isConnected, "still connected after \(datagram.prefix(5))")
            XCTAssertTrue(pair.client.isConnected, "the client got no alert for \(datagram.prefix(5))")
        }
        XCTAssertFalse(pair.serverEvents.contains { $0.isClosed })
        pair.sendRTP(from: .client, ssrc: 4, sequence: 1, payload: [4])
        pair.sendRTP(from: .server, ssrc: 6, sequence: 1, payload: [6])
        XCTAssertEqual(pair.serverReceived.last, .rtp(ssrc: 4, payload: [4]))
        XCTAssertEqual(pair.clientReceived.last, .rtp(ssrc: 6, payload: [6]))
        XCTAssertTrue(pair.client.isConnected)
    }

    func testForgedPacketsAreCountedNotFatal() throws {
        let pair = PeerPair()
        try pair.connect()
        // SRTP-looking garbage from the validated tuple fails authentication.
        pair.receive([0x80, 96, 0, 1] + [UInt8](repeating: 0xAB, count: 40), at: .server, from: clientAddress)
        // Media and DTLS from a tuple ICE never validated are not even looked at.
        let stranger = TransportAddress(ipv4: 0xC633_6401, port: 9)
        pair.receive([0x80, 96, 0, 2] + [UInt8](repeating: 0, count: 40), at: .server, from: stranger)
        pair.receive([23, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 30), at: .server, from: stranger)
        pair.receive([0xFF, 1, 2], at: .server, from: clientAddress)
        XCTAssertEqual(pair.server.statistics.unauthenticated, 1)
        XCTAssertEqual(pair.server.statistics.unvalidatedSource, 2)
        XCTAssertEqual(pair.server.statistics.unknownDatagrams, 1)
        XCTAssertTrue(pair.server.isConnected)
        pair.sendRTP(from: .client, ssrc: 3, sequence: 9, payload: [3])
        XCTAssertEqual(pair.serverReceived, [.rtp(ssrc: 3, payload: [3])])
    }

    func testControllingSideLosesConsentWhenChecksGoUnanswered() throws {
        let pair = PeerPair()
        try pair.connect()
        pair.deliverFilter = { bytes, toServer in !(toServer == false && isSTUN(bytes)) }
        pair.jump(by: 29 * second)
        XCTAssertTrue(pair.client.isConnected)
        pair.jump(by: 2 * second)
        XCTAssertEqual(pair.client.state, .closed(.consentExpired))
    }

    func testLocalCloseSendsCloseNotifyAndThePeerCloses() throws {
        let pair = PeerPair()
        try pair.connect()
        var output = PeerConnection.Output()
        pair.server.close(reason: "unpublished", into: &output)
        pair.deliver(output, from: .server)
        XCTAssertEqual(pair.server.state, .closed(.closedLocally("unpublished")))
        XCTAssertEqual(pair.client.state, .closed(.peerClosed))
        XCTAssertEqual(pair.serverEvents.filter(\.isClosed).count, 1)
    }

    func testICERestartMovesMediaToTheNewPathWithoutANewHandshake() throws {
        let pair = PeerPair()
        try pair.connect()
        pair.sendRTP(from: .client, ssrc: 1, sequence: 1, payload: [1])

        // The laptop moves from Wi-Fi to cable: new ICE credentials both ways (WHIP PATCH),
        // the same DTLS association and keys.
        let newServer = ICECredentials(ufrag: "srvUfrg2", password: "serverPassword2222222222")
        let newClient = ICECredentials(ufrag: "cliUfrg2", password: "clientPassword2222222222")
        var output = PeerConnection.Output()
        pair.server.restartICE(localCredentials: newServer,
                               remote: .init(ufrag: newClient.ufrag, password: newClient.password, fingerprint: ""),
                               nowNanos: pair.now, into: &output)
        XCTAssertTrue(output.isEmpty, "a lite agent only answers")
        XCTAssertEqual(pair.server.restartingFromUfrag, "srvUfrag")
        // Media keeps flowing on the old path while the new one is checked.
        pair.sendRTP(from: .client, ssrc: 1, sequence: 2, payload: [2])

        pair.clientSource = movedClientAddress
        output = PeerConnection.Output()
        pair.client.restartICE(localCredentials: newClient,
                               remote: .init(ufrag: newServer.ufrag, password: newServer.password, fingerprint: "",
                                             candidates: [serverAddress]),
                               nowNanos: pair.now, into: &output)
        pair.deliver(output, from: .client)
        XCTAssertTrue(pair.run { pair.server.selectedPath == movedClientAddress })
        pair.sendRTP(from: .client, ssrc: 1, sequence: 3, payload: [3])
        pair.sendRTP(from: .server, ssrc: 2, sequence: 1, payload: [4])

        XCTAssertEqual(pair.serverReceived, [.rtp(ssrc: 1, payload: [1]), .rtp(ssrc: 1, payload: [2]), .rtp(ssrc: 1, payload: [3])])
        XCTAssertEqual(pair.clientReceived, [.rtp(ssrc: 2, payload: [4])], "the answer side follows to the new path")
        let afterRestart = pair.serverEvents.drop { $0 != .connected(.aeadAES128GCM) }.dropFirst()
        XCTAssertEqual(Array(afterRestart), [.pathValidated(movedClientAddress), .restartCompleted(previousUfrag: "srvUfrag"),
                                             .selectedPathChanged(movedClientAddress)])
        XCTAssertEqual(pair.serverEvents.filter { $0 == .connected(.aeadAES128GCM) }.count, 1, "no second DTLS handshake")
        XCTAssertNil(pair.server.restartingFromUfrag)
        XCTAssertEqual(pair.server.localCredentials, newServer)
        XCTAssertTrue(pair.client.isConnected)
        XCTAssertTrue(pair.server.isConnected)
    }

    func testChecksWithReplacedCredentialsAreRefusedAfterTheRestart() throws {
        let pair = PeerPair()
        try pair.connect()
        let newServer = ICECredentials(ufrag: "srvUfrg2", password: "serverPassword2222222222")
        var output = PeerConnection.Output()
        pair.server.restartICE(localCredentials: newServer,
                               remote: .init(ufrag: "cliUfrg2", password: "clientPassword2222222222", fingerprint: ""),
                               nowNanos: pair.now, into: &output)
        output = PeerConnection.Output()
        pair.client.restartICE(localCredentials: ICECredentials(ufrag: "cliUfrg2", password: "clientPassword2222222222"),
                               remote: .init(ufrag: "srvUfrg2", password: newServer.password, fingerprint: "",
                                             candidates: [serverAddress]),
                               nowNanos: pair.now, into: &output)
        pair.deliver(output, from: .client)
        XCTAssertTrue(pair.run { pair.server.restartingFromUfrag == nil })

        // A check with the old credentials no longer authenticates (RFC 8445 §9): 401, and the
        // tuple it came from is not validated.
        let stranger = TransportAddress(ipv4: 0xC633_6401, port: 9)
        let old = STUNMessage(method: .binding, messageClass: .request, transactionID: .random(),
                              attributes: [.username("srvUfrag:cliUfrag"), .priority(1), .iceControlling(tieBreaker: 1)])
            .serialized(messageIntegrityKey: Array("serverPassword0123456789".utf8), fingerprint: true)
        let eventsBefore = pair.serverEvents.count
        var errorCodes: [Int] = []
        pair.deliverFilter = { bytes, toServer in
            if !toServer, isSTUN(bytes), let message = try? STUNMessage(parsing: bytes), let code = message.errorCode {
                errorCodes.append(code.code)
            }
            return false
        }
        pair.receive(old, at: .server, from: stranger)
        XCTAssertEqual(errorCodes, [401])
        XCTAssertEqual(pair.serverEvents.count, eventsBefore)
        XCTAssertTrue(pair.server.isConnected)
    }
}
