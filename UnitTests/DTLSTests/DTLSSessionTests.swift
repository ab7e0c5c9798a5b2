import XCTest
@testable import DTLS
import SRTP

final class DTLSSessionTests: XCTestCase {
    // Key generation costs a few milliseconds; share two certificates across the tests.
    static let clientCertificate = try! DTLSCertificate.generateSelfSigned()
    static let serverCertificate = try! DTLSCertificate.generateSelfSigned()

    func makePipe(clientExpects: String? = serverCertificate.fingerprintSHA256,
                  serverExpects: String? = clientCertificate.fingerprintSHA256,
                  clientMTU: Int = 1200, serverMTU: Int = 1200,
                  clientProfiles: [SRTPProfile] = DTLSCertificate.defaultSRTPProfiles,
                  serverProfiles: [SRTPProfile] = DTLSCertificate.defaultSRTPProfiles,
                  dropFlights: Set<Int> = []) throws -> DTLSPipe {
        let client = try DTLSSession(role: .client, certificate: Self.clientCertificate,
                                     remoteFingerprint: clientExpects, mtu: clientMTU, srtpProfiles: clientProfiles)
        let server = try DTLSSession(role: .server, certificate: Self.serverCertificate,
                                     remoteFingerprint: serverExpects, mtu: serverMTU, srtpProfiles: serverProfiles)
        return DTLSPipe(client: client, server: server, dropFlights: dropFlights)
    }

    func assertConnected(_ pipe: DTLSPipe, profile: SRTPProfile = .aeadAES128GCM, mtu: Int = 1200,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(DTLSPipe.failure(in: pipe.clientEvents), file: file, line: line)
        XCTAssertNil(DTLSPipe.failure(in: pipe.serverEvents), file: file, line: line)
        guard let clientKeys = pipe.clientKeys, let serverKeys = pipe.serverKeys else {
            return XCTFail("not connected: \(pipe.clientEvents) / \(pipe.serverEvents)", file: file, line: line)
        }
        XCTAssertEqual(clientKeys.profile, profile, file: file, line: line)
        XCTAssertEqual(clientKeys, serverKeys.mirrored, file: file, line: line)
        XCTAssertEqual(clientKeys.localMasterKey.count, 16, file: file, line: line)
        XCTAssertEqual(clientKeys.localMasterSalt.count, profile.masterSaltLength, file: file, line: line)
        XCTAssertNotEqual(clientKeys.localMasterKey, clientKeys.remoteMasterKey, file: file, line: line)
        for (_, datagram) in pipe.sentDatagrams {
            XCTAssertLessThanOrEqual(datagram.count, mtu, file: file, line: line)
        }
        XCTAssertEqual(pipe.client.peerFingerprintSHA256, Self.serverCertificate.fingerprintSHA256, file: file, line: line)
        XCTAssertEqual(pipe.server.peerFingerprintSHA256, Self.clientCertificate.fingerprintSHA256, file: file, line: line)
    }

    // MARK: - Certificates

    func testCertificateFingerprintFormat() throws {
        let fingerprint = Self.serverCertificate.fingerprintSHA256
        XCTAssertEqual(fingerprint.count, 32 * 3 - 1)
        XCTAssertEqual(fingerprint, fingerprint.uppercased())
        XCTAssertEqual(DTLSCertificate.parseFingerprint(fingerprint)?.count, 32)
        XCTAssertNotEqual(fingerprint, Self.clientCertificate.fingerprintSHA256)
        XCTAssertNil(DTLSCertificate.parseFingerprint("AB:CD"))
        XCTAssertNil(DTLSCertificate.parseFingerprint(String(repeating: "ZZ:", count: 31) + "ZZ"))
        XCTAssertThrowsError(try DTLSSession(role: .client, certificate: Self.clientCertificate,
                                             remoteFingerprint: "sha-256 nonsense"))
    }

    // MARK: - Handshakes

    func testHandshakeConnectsWithMirroredKeysAndGCM() throws {
        let pipe = try makePipe()
        pipe.run()
        assertConnected(pipe)
        XCTAssertEqual(pipe.timeoutsFired, 0)
        // The server's certificate flight does not fit one datagram when the MTU is small,
        // but at 1200 each flight should still arrive as a handful of datagrams.
        XCTAssertGreaterThan(pipe.sentDatagrams.count, 3)
        // Once connected there is no timer and timeouts are ignored (openssl#7998).
        let late = pipe.server.handleTimeout(nowNanos: DTLSPipe.now())
        XCTAssertEqual(late, DTLSOutput())
        XCTAssertNotNil(pipe.server.keyingMaterial)
    }

    func testFingerprintComparisonIsCaseInsensitive() throws {
        let pipe = try makePipe(clientExpects: Self.serverCertificate.fingerprintSHA256.lowercased())
        pipe.run()
        assertConnected(pipe)
    }

    func testServerPicksFirstOfItsOwnProfilesThatClientOffers() throws {
        // webrtcbin offers only AES_CM_128_HMAC_SHA1_80.
        let cmOnly = try makePipe(clientProfiles: [.aes128CMHMACSHA1_80])
        cmOnly.run()
        assertConnected(cmOnly, profile: .aes128CMHMACSHA1_80)
        // libwebrtc lists SHA1_80 before GCM; the server's order (GCM first) wins.
        let chromeOrder = try makePipe(clientProfiles: [.aes128CMHMACSHA1_80, .aeadAES128GCM])
        chromeOrder.run()
        assertConnected(chromeOrder, profile: .aeadAES128GCM)
    }

    func testNoCommonProfileFails() throws {
        let pipe = try makePipe(clientProfiles: [.aes128CMHMACSHA1_80], serverProfiles: [.aeadAES128GCM])
        pipe.run()
        XCTAssertNil(pipe.clientKeys)
        XCTAssertNotNil(DTLSPipe.failure(in: pipe.clientEvents) ?? DTLSPipe.failure(in: pipe.serverEvents))
    }

    func testSmallMTUFragmentsCertificateFlight() throws {
        let pipe = try makePipe(clientMTU: 256, serverMTU: 256)
        pipe.run()
        assertConnected(pipe, mtu: 256)
        XCTAssertGreaterThan(pipe.sentDatagrams.filter { $0.0 == .server }.count, 3)
    }

    func testFragmentedClientHelloFedDatagramByDatagram() throws {
        // Firefox 148+ sends a ClientHello too big for one datagram (INTEROP-NOTES §3). Re-fragment
        // ours into three handshake fragments (RFC 6347 §4.2.3), each in its own record and datagram.
        let pipe = try makePipe()
        var fragmented = false
        pipe.deliver = { datagram in
            guard !fragmented, let pieces = Self.fragmentClientHello(datagram, into: 3) else { return [datagram] }
            fragmented = true
            return pieces
        }
        pipe.run()
        XCTAssertTrue(fragmented)
        assertConnected(pipe)
        XCTAssertEqual(pipe.timeoutsFired, 0)
    }

    /// Splits a datagram holding exactly one epoch-0 ClientHello record (sequence 0) into `count`
    /// records, each carrying one fragment. Later fragments use record sequence numbers 40, 41…:
    /// inside the 64-record replay window, yet above the 1…4 the client's next flight uses.
    static func fragmentClientHello(_ datagram: [UInt8], into count: Int) -> [[UInt8]]? {
        guard datagram.count > 25, datagram[0] == 22, datagram[13] == 1,
              datagram[3...10].allSatisfy({ $0 == 0 }) else { return nil }
        let recordLength = Int(datagram[11]) << 8 | Int(datagram[12])
        guard recordLength + 13 == datagram.count else { return nil }
        let handshakeHeader = Array(datagram[13..<25])
        let body = Array(datagram[25...])
        let pieceLength = (body.count + count - 1) / count
        var datagrams: [[UInt8]] = []
        var offset = 0
        var sequence: UInt8 = 0
        while offset < body.count {
            let piece = Array(body[offset..<min(offset + pieceLength, body.count)])
            var header = handshakeHeader
            header[6] = UInt8(offset >> 16); header[7] = UInt8((offset >> 8) & 0xFF); header[8] = UInt8(offset & 0xFF)
            header[9] = UInt8(piece.count >> 16); header[10] = UInt8((piece.count >> 8) & 0xFF)
            header[11] = UInt8(piece.count & 0xFF)
            var record = Array(datagram[0..<13])
            record[10] = sequence
            let length = header.count + piece.count
            record[11] = UInt8(length >> 8); record[12] = UInt8(length & 0xFF)
            datagrams.append(record + header + piece)
            offset += piece.count
            sequence = sequence == 0 ? 40 : sequence + 1
        }
        return datagrams
    }

    func testHandshakeSurvivesEachDroppedFlight() throws {
        // Flight numbers here: 1 ClientHello, 2 server hello…done, 3 client cert…finished,
        // 4 server CCS+finished (sent after the server already reported connected).
        for dropped in 1...4 {
            let pipe = try makePipe(dropFlights: [dropped])
            pipe.run()
            assertConnected(pipe)
            XCTAssertGreaterThan(pipe.timeoutsFired, 0, "flight \(dropped)")
        }
    }

    func testFingerprintMismatchFails() throws {
        let wrong = try DTLSCertificate.generateSelfSigned().fingerprintSHA256
        // Client checks the server's certificate.
        let clientSide = try makePipe(clientExpects: wrong)
        clientSide.run()
        XCTAssertEqual(DTLSPipe.failure(in: clientSide.clientEvents), .fingerprintMismatch)
        XCTAssertNil(clientSide.clientKeys)
        XCTAssertNil(clientSide.serverKeys)
        XCTAssertNotNil(DTLSPipe.failure(in: clientSide.serverEvents), "server should see the alert")
        // Server checks the client's certificate.
        let serverSide = try makePipe(serverExpects: wrong)
        serverSide.run()
        XCTAssertEqual(DTLSPipe.failure(in: serverSide.serverEvents), .fingerprintMismatch)
        XCTAssertNil(serverSide.serverKeys)
        XCTAssertNil(serverSide.clientKeys)
    }

    func testCloseNotifyReachesPeer() throws {
        let pipe = try makePipe()
        pipe.run()
        assertConnected(pipe)
        let closing = pipe.client.close()
        XCTAssertFalse(closing.datagrams.isEmpty)
        var events: [DTLSEvent] = []
        for datagram in closing.datagrams {
            events += pipe.server.receive(datagram, nowNanos: DTLSPipe.now()).events
        }
        XCTAssertEqual(events, [.closed])
        XCTAssertFalse(pipe.server.isConnected)
        XCTAssertEqual(pipe.client.close(), DTLSOutput(), "close is idempotent")
    }

    func testKeysDriveSRTPBetweenPeers() throws {
        let pipe = try makePipe()
        pipe.run()
        let client = try SRTPSession(keying: XCTUnwrap(pipe.clientKeys))
        let server = try SRTPSession(keying: XCTUnwrap(pipe.serverKeys))
        let packet: [UInt8] = [0x80, 111, 0x03, 0xE8, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 3, 4]
        XCTAssertEqual(try server.unprotectRTP(client.protectRTP(packet)), packet)
        XCTAssertEqual(try client.unprotectRTP(server.protectRTP(packet)), packet)
    }

    // MARK: - Robustness

    func testGarbageDatagramsDoNotCrash() throws {
        var generator = SplitMix64(seed: 7)
        func garbage(structured: Bool) -> [UInt8] {
            let length = Int(generator.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if structured, bytes.count >= 13 {
                // A plausible DTLS 1.2 record header with a random body: exercises deeper parsing.
                bytes[0] = [20, 21, 22, 23][Int(generator.next() % 4)]
                bytes[1] = 0xFE
                bytes[2] = 0xFD
                bytes[3] = 0
                bytes[4] = UInt8(generator.next() % 2)
                let bodyLength = UInt16(bytes.count - 13)
                bytes[11] = UInt8(bodyLength >> 8)
                bytes[12] = UInt8(bodyLength & 0xFF)
            }
            return bytes
        }
        // Fresh server and fresh client.
        for structured in [false, true] {
            let server = try DTLSSession(role: .server, certificate: Self.serverCertificate, remoteFingerprint: nil)
            let client = try DTLSSession(role: .client, certificate: Self.clientCertificate, remoteFingerprint: nil)
            _ = client.start(nowNanos: 0)
            for index in 0..<500 {
                for output in [server.receive(garbage(structured: structured), nowNanos: UInt64(index)),
                               client.receive(garbage(structured: structured), nowNanos: UInt64(index))] {
                    for datagram in output.datagrams { XCTAssertLessThanOrEqual(datagram.count, 1200) }
                }
            }
        }
        // A connected pair shrugs off unstructured garbage (it cannot authenticate).
        let pipe = try makePipe()
        pipe.run()
        assertConnected(pipe)
        for index in 0..<500 {
            _ = pipe.server.receive(garbage(structured: false), nowNanos: UInt64(index))
            _ = pipe.client.receive(garbage(structured: false), nowNanos: UInt64(index))
        }
        XCTAssertTrue(pipe.server.isConnected)
        XCTAssertTrue(pipe.client.isConnected)
        // Empty and truncated datagrams.
        _ = pipe.server.receive([], nowNanos: 0)
        _ = pipe.server.receive([22, 0xFE], nowNanos: 0)
    }

    func testTruncatedHandshakeDatagramsDoNotCrash() throws {
        let pipe = try makePipe()
        pipe.deliver = { datagram in
            // Deliver a truncated copy first, then the real datagram.
            [Array(datagram.prefix(datagram.count / 2)), datagram]
        }
        pipe.run()
        // Truncated records are dropped silently (RFC 6347 §4.1.2.7), so the handshake still completes.
        assertConnected(pipe)
    }
}

final class DTLSRecordPackerTests: XCTestCase {
    func record(_ type: UInt8, bodyLength: Int) -> [UInt8] {
        [type, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(bodyLength >> 8), UInt8(bodyLength & 0xFF)]
            + [UInt8](repeating: type, count: bodyLength)
    }

    func testPacksWholeRecordsUpToMTU() {
        let a = record(22, bodyLength: 500)  // 513
        let b = record(22, bodyLength: 600)  // 613
        let c = record(20, bodyLength: 1)    // 14
        let d = record(22, bodyLength: 100)  // 113
        let datagrams = DTLSRecordPacker.pack(a + b + c + d, mtu: 1200)
        XCTAssertEqual(datagrams, [a + b + c, d])
        XCTAssertEqual(DTLSRecordPacker.pack(a + b, mtu: 1000), [a, b])
        XCTAssertEqual(DTLSRecordPacker.pack([], mtu: 1200), [])
        // A malformed tail is passed through rather than lost or over-read.
        XCTAssertEqual(DTLSRecordPacker.pack(a + [22, 0xFE], mtu: 1200), [a + [22, 0xFE]])
        XCTAssertEqual(DTLSRecordPacker.pack([22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 1], mtu: 1200).count, 1)
    }
}
