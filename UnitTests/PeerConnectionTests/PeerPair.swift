import DTLS
import Foundation
import ICE
import PeerConnection
import RTP
import STUN

let clientAddress = TransportAddress(ipv4: 0xC000_0201, port: 50_000)   // 192.0.2.1
let movedClientAddress = TransportAddress(ipv4: 0xC000_0202, port: 50_002)  // 192.0.2.2: after a network change
let serverAddress = TransportAddress(ipv4: 0xCB00_7101, port: 7882)     // 203.0.113.1
let second: UInt64 = 1_000_000_000

/// Two peer connections wired back to back in memory, as a browser (controlling, DTLS client)
/// and a media node (ICE-lite, DTLS server) would be — the way SwiftNIO tests handlers on an
/// `EmbeddedChannel`: no sockets, datagrams handed over by the test, which may drop them.
///
/// Time: ICE runs on the pair's clock, which the test may jump ahead (`advance`), but OpenSSL
/// measures its DTLS retransmission timer with its own wall clock, so the clock is real
/// monotonic time plus the jumps, and a handshake with a dropped flight waits for real.
final class PeerPair {
    static let clientCertificate = try! DTLSCertificate.generateSelfSigned()
    static let serverCertificate = try! DTLSCertificate.generateSelfSigned()

    let client: PeerConnection
    let server: PeerConnection
    var clientSource = clientAddress
    var clientEvents: [PeerConnection.Event] = []
    var serverEvents: [PeerConnection.Event] = []
    var clientReceived: [PeerConnection.Received] = []
    var serverReceived: [PeerConnection.Received] = []
    /// Return false to drop a datagram (`toServer` tells its direction).
    var deliverFilter: (_ bytes: [UInt8], _ toServer: Bool) -> Bool = { _, _ in true }
    private(set) var droppedCount = 0
    private var jumpNanos: UInt64 = 0
    private var scratch = [UInt8](repeating: 0, count: 2048)

    init(serverConfiguration: PeerConnection.Configuration = .init(),
         clientConfiguration: PeerConnection.Configuration = .init()) {
        client = PeerConnection(iceRole: .controlling, dtlsRole: .client, certificate: Self.clientCertificate,
                                localCredentials: ICECredentials(ufrag: "cliUfrag", password: "clientPassword0123456789"),
                                configuration: clientConfiguration)
        server = PeerConnection(iceRole: .lite, dtlsRole: .server, certificate: Self.serverCertificate,
                                localCredentials: ICECredentials(ufrag: "srvUfrag", password: "serverPassword0123456789"),
                                configuration: serverConfiguration)
    }

    var now: UInt64 { DispatchTime.now().uptimeNanoseconds + jumpNanos }

    func advance(_ nanos: UInt64) { jumpNanos += nanos }

    func start() throws {
        var output = PeerConnection.Output()
        try server.start(remote: .init(ufrag: "cliUfrag", password: "clientPassword0123456789",
                                       fingerprint: Self.clientCertificate.fingerprintSHA256), nowNanos: now, into: &output)
        deliver(output, from: .server)
        output = PeerConnection.Output()
        try client.start(remote: .init(ufrag: "srvUfrag", password: "serverPassword0123456789",
                                       fingerprint: Self.serverCertificate.fingerprintSHA256, candidates: [serverAddress]),
                         nowNanos: now, into: &output)
        deliver(output, from: .client)
    }

    enum Side { case client, server }

    /// Delivers a side's output to the other side, recursively, and records events.
    func deliver(_ output: PeerConnection.Output, from side: Side) {
        switch side {
        case .client: clientEvents += output.events
        case .server: serverEvents += output.events
        }
        for datagram in output.datagrams {
            let toServer = side == .client
            guard deliverFilter(datagram.bytes, toServer) else {
                droppedCount += 1
                continue
            }
            if toServer {
                guard datagram.to == serverAddress else { continue }
                receive(datagram.bytes, at: .server, from: clientSource)
            } else {
                guard datagram.to == clientSource else { continue }  // the old address is gone
                receive(datagram.bytes, at: .client, from: serverAddress)
            }
        }
    }

    /// Hands one datagram to a side as its socket would.
    func receive(_ bytes: [UInt8], at side: Side, from source: TransportAddress) {
        var output = PeerConnection.Output()
        let connection = side == .client ? client : server
        let inbound: PeerConnection.Received? = scratch.withUnsafeMutableBytes { buffer in
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
            switch connection.receive(buffer, length: bytes.count, from: source, nowNanos: now, into: &output) {
            case .consumed: return nil
            case .rtp(let header, let packet): return .rtp(ssrc: header.ssrc, payload: Array(packet[header.payloadRange]))
            case .rtcp(let packets): return .rtcp(packets)
            }
        }
        if let inbound {
            if side == .client { clientReceived.append(inbound) } else { serverReceived.append(inbound) }
        }
        deliver(output, from: side)
    }

    /// Ticks both sides every `stepNanos` (real time passes too) until `done` or `timeoutNanos`.
    @discardableResult
    func run(stepNanos: UInt64 = 10_000_000, timeoutNanos: UInt64 = 5 * second, until done: () -> Bool) -> Bool {
        let end = now + timeoutNanos
        while !done() {
            if now >= end { return false }
            usleep(useconds_t(stepNanos / 1_000))
            tick()
        }
        return true
    }

    /// Jumps the clock ahead in steps without real waiting (for consent timers).
    func jump(by nanos: UInt64, stepNanos: UInt64 = 500_000_000, every: () -> Void = {}) {
        var left = nanos
        while left > 0 {
            let step = min(stepNanos, left)
            advance(step)
            left -= step
            every()
            tick()
        }
    }

    func tick() {
        var output = PeerConnection.Output()
        client.tick(nowNanos: now, into: &output)
        deliver(output, from: .client)
        output = PeerConnection.Output()
        server.tick(nowNanos: now, into: &output)
        deliver(output, from: .server)
    }

    func connect(file: StaticString = #filePath, line: UInt = #line) throws {
        try start()
        run { client.isConnected && server.isConnected }
    }

    // MARK: - Media

    /// Encrypts one RTP packet on `side` and hands it to the other side.
    func sendRTP(from side: Side, ssrc: UInt32, sequence: UInt16, payload: [UInt8]) {
        let connection = side == .client ? client : server
        var packet = [UInt8](repeating: 0, count: 12 + payload.count + PeerConnection.maximumTrailerLength)
        packet[0] = 0x80
        packet[1] = 96
        packet[2] = UInt8(sequence >> 8)
        packet[3] = UInt8(sequence & 0xFF)
        packet[8] = UInt8(ssrc >> 24)
        packet[9] = UInt8((ssrc >> 16) & 0xFF)
        packet[10] = UInt8((ssrc >> 8) & 0xFF)
        packet[11] = UInt8(ssrc & 0xFF)
        packet.replaceSubrange(12..<(12 + payload.count), with: payload)
        let capacity = packet.count
        guard let length = packet.withUnsafeMutableBytes({ connection.protectRTP($0.baseAddress!, length: 12 + payload.count, capacity: capacity) }),
              let destination = connection.selectedPath else { return }
        let bytes = Array(packet[0..<length])
        switch side {
        case .client: receive(bytes, at: .server, from: clientSource)
        case .server: if destination == clientSource { receive(bytes, at: .client, from: serverAddress) }
        }
    }

    func sendRTCP(from side: Side, _ packets: [RTCPPacket]) {
        let connection = side == .client ? client : server
        var buffer = [UInt8](repeating: 0, count: 1500)
        guard let length = buffer.withUnsafeMutableBytes({ connection.protectRTCP(packets, into: $0) }) else { return }
        let bytes = Array(buffer[0..<length])
        switch side {
        case .client: receive(bytes, at: .server, from: clientSource)
        case .server: receive(bytes, at: .client, from: serverAddress)
        }
    }
}

extension PeerConnection {
    /// What a test saw arrive, copied out of the scratch buffer.
    enum Received: Equatable {
        case rtp(ssrc: UInt32, payload: [UInt8])
        case rtcp([RTCPPacket])
    }
}

extension PeerConnection.Event {
    var isClosed: Bool {
        if case .closed = self { return true }
        return false
    }
}

/// Whether a datagram is DTLS (RFC 7983: first byte 20–63) or STUN (0–3).
func isDTLS(_ bytes: [UInt8]) -> Bool { (20...63).contains(bytes.first ?? 0) }
func isSTUN(_ bytes: [UInt8]) -> Bool { (0...3).contains(bytes.first ?? 255) }
func isSRTP(_ bytes: [UInt8]) -> Bool { (128...191).contains(bytes.first ?? 0) }
