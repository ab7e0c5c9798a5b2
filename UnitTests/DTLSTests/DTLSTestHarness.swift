import Foundation
import XCTest
@testable import DTLS
import SRTP

/// Passes datagrams between a client and a server session in-process, optionally dropping whole
/// flights, and fires retransmission timers when nothing is in flight.
///
/// OpenSSL 3.0 measures DTLS timers with its own wall clock, so the harness uses real monotonic
/// time and, only when a flight was dropped, waits for the (100 ms) retransmission deadline.
final class DTLSPipe {
    enum Side { case client, server }

    let client: DTLSSession
    let server: DTLSSession
    /// 1-based indices of outputs carrying datagrams ("flights") to drop, counted across both sides.
    var dropFlights: Set<Int>
    /// Optional transform of every datagram before delivery (e.g. to split or mangle it).
    var deliver: ([UInt8]) -> [[UInt8]] = { [$0] }

    private(set) var flightCount = 0
    private(set) var clientEvents: [DTLSEvent] = []
    private(set) var serverEvents: [DTLSEvent] = []
    private(set) var sentDatagrams: [(Side, [UInt8])] = []
    private(set) var timeoutsFired = 0
    private var toClient: [[UInt8]] = []
    private var toServer: [[UInt8]] = []
    private var clientDeadline: UInt64?
    private var serverDeadline: UInt64?

    init(client: DTLSSession, server: DTLSSession, dropFlights: Set<Int> = []) {
        self.client = client
        self.server = server
        self.dropFlights = dropFlights
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func handle(_ output: DTLSOutput, from side: Side) {
        switch side {
        case .client:
            clientEvents += output.events
            clientDeadline = output.retransmitDeadlineNanos
        case .server:
            serverEvents += output.events
            serverDeadline = output.retransmitDeadlineNanos
        }
        guard !output.datagrams.isEmpty else { return }
        flightCount += 1
        for datagram in output.datagrams { sentDatagrams.append((side, datagram)) }
        if dropFlights.contains(flightCount) { return }
        let delivered = output.datagrams.flatMap(deliver)
        switch side {
        case .client: toServer += delivered
        case .server: toClient += delivered
        }
    }

    var finished: Bool {
        let events = clientEvents + serverEvents
        if events.contains(where: { if case .failed = $0 { true } else { false } }) {
            return toClient.isEmpty && toServer.isEmpty
        }
        return client.isConnected && server.isConnected && toClient.isEmpty && toServer.isEmpty
    }

    /// Runs until both sides connected (or one failed and the wire drained), or the budget runs out.
    func run(maxSteps: Int = 500, maxWaitNanos: UInt64 = 5_000_000_000) {
        handle(client.start(nowNanos: Self.now()), from: .client)
        handle(server.start(nowNanos: Self.now()), from: .server)
        let giveUp = Self.now() + maxWaitNanos
        for _ in 0..<maxSteps where !finished {
            if !toServer.isEmpty {
                let datagram = toServer.removeFirst()
                handle(server.receive(datagram, nowNanos: Self.now()), from: .server)
                continue
            }
            if !toClient.isEmpty {
                let datagram = toClient.removeFirst()
                handle(client.receive(datagram, nowNanos: Self.now()), from: .client)
                continue
            }
            guard let next = [clientDeadline, serverDeadline].compactMap({ $0 }).min(), next < giveUp else { return }
            let now = Self.now()
            if next > now { usleep(useconds_t((next - now) / 1_000 + 1_000)) }
            let fired = Self.now()
            if let deadline = clientDeadline, deadline <= fired {
                timeoutsFired += 1
                handle(client.handleTimeout(nowNanos: fired), from: .client)
            }
            if let deadline = serverDeadline, deadline <= fired {
                timeoutsFired += 1
                handle(server.handleTimeout(nowNanos: fired), from: .server)
            }
        }
    }

    var clientKeys: SRTPKeyingMaterial? { Self.keys(in: clientEvents) }
    var serverKeys: SRTPKeyingMaterial? { Self.keys(in: serverEvents) }

    static func keys(in events: [DTLSEvent]) -> SRTPKeyingMaterial? {
        for event in events { if case .connected(let keys) = event { return keys } }
        return nil
    }

    static func failure(in events: [DTLSEvent]) -> DTLSError? {
        for event in events { if case .failed(let error) = event { return error } }
        return nil
    }
}
