import ICE
import STUN
import XCTest

let serverAddress = TransportAddress("10.0.0.1", port: 3478)!
let clientAddress = TransportAddress("10.0.0.2", port: 50000)!
let serverCredentials = ICECredentials(ufrag: "srvUfrag", password: "serverPassword0123456789")
let clientCredentials = ICECredentials(ufrag: "cliUfrag", password: "clientPassword0123456789")
let second: UInt64 = 1_000_000_000
let millisecond: UInt64 = 1_000_000

/// A hand-made connectivity check, so tests can send exactly what a browser would (or would not).
func makeCheck(username: String? = "srvUfrag:cliUfrag", password: String? = serverCredentials.password,
               priority: UInt32? = 1_853_824_767, useCandidate: Bool = false,
               extra: [STUNAttribute] = [.iceControlling(tieBreaker: 7)], fingerprint: Bool = true,
               transactionID: STUNTransactionID = .random()) -> [UInt8] {
    var attributes: [STUNAttribute] = []
    if let username { attributes.append(.username(username)) }
    if let priority { attributes.append(.priority(priority)) }
    if useCandidate { attributes.append(.useCandidate) }
    attributes += extra
    return STUNMessage(messageClass: .request, transactionID: transactionID, attributes: attributes)
        .serialized(messageIntegrityKey: password.map { Array($0.utf8) }, fingerprint: fingerprint)
}

/// A lite server and a controlling client wired together in memory, with a controllable clock
/// and a switch to drop packets in either direction.
struct Harness {
    var lite: ICELiteAgent
    var client: ICEControllingAgent
    var now: UInt64 = 1_000 * 1_000_000_000
    var dropToServer = false
    var dropToClient = false
    var liteEvents: [ICELiteAgent.Event] = []
    var liteOutcomes: [ICECheckOutcome] = []
    var clientEvents: [ICEControllingAgent.Event] = []
    /// Every request the client put on the wire, with its send time.
    var sentToServer: [(time: UInt64, bytes: [UInt8])] = []
    var liteExpiredAt: UInt64?

    init(clientKnowsPassword password: String = serverCredentials.password,
         liteConfiguration: ICELiteAgent.Configuration = ICELiteAgent.Configuration(),
         clientConfiguration: ICEControllingAgent.Configuration = ICEControllingAgent.Configuration()) {
        lite = ICELiteAgent(local: serverCredentials, remoteUfrag: clientCredentials.ufrag,
                            remotePassword: clientCredentials.password, configuration: liteConfiguration,
                            nowNanos: now)
        client = ICEControllingAgent(local: clientCredentials, remoteUfrag: serverCredentials.ufrag,
                                     remotePassword: password, remoteCandidates: [serverAddress],
                                     tieBreaker: 0x1234_5678_9ABC_DEF0, configuration: clientConfiguration)
    }

    mutating func start() {
        send(client.start(nowNanos: now))
    }

    /// Delivers the client's datagrams to the server and the answers back, until quiet.
    mutating func send(_ outgoing: [ICEControllingAgent.Outgoing]) {
        var queue = outgoing
        while !queue.isEmpty {
            let packet = queue.removeFirst()
            XCTAssertEqual(packet.to, serverAddress)
            sentToServer.append((now, packet.bytes))
            if dropToServer { continue }
            let result = lite.handleBindingRequest(packet.bytes, from: clientAddress, nowNanos: now)
            liteEvents += result.events
            liteOutcomes.append(result.outcome)
            guard let response = result.response, !dropToClient else { continue }
            let output = client.handle(response, from: serverAddress, nowNanos: now)
            clientEvents += output.events
            queue += output.outgoing
        }
    }

    /// Advances the clock to `time`, calling each agent's `tick` at its deadlines.
    mutating func run(until time: UInt64) {
        var iterations = 0
        while let next = [client.nextDeadlineNanos, lite.nextDeadlineNanos].compactMap({ $0 }).min(), next <= time {
            iterations += 1
            guard iterations < 100_000 else { return XCTFail("deadlines do not advance") }
            now = max(now, next)
            if let deadline = lite.nextDeadlineNanos, deadline <= now, lite.tick(nowNanos: now) == .expired {
                liteExpiredAt = now
            }
            if let deadline = client.nextDeadlineNanos, deadline <= now {
                let output = client.tick(nowNanos: now)
                clientEvents += output.events
                send(output.outgoing)
            }
        }
        now = time
    }
}
