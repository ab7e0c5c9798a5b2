import DTLS
import Foundation
import Logging
import NIOCore
import PeerConnection
@testable import MediaServer

/// A UDP port in memory: datagrams a transport sends are kept (while connecting) or written into
/// one reused buffer and counted (once media flows, so sending allocates nothing here).
final class MemoryPort: DatagramPort {
    private(set) var queued: [(to: SocketAddress, bytes: [UInt8])] = []
    private(set) var sentCount = 0
    private(set) var sentBytes = 0
    var keepsDatagrams = true
    /// Once set, every datagram is handed here instead (still without a copy on the heap).
    var deliver: ((UnsafeRawBufferPointer) -> Void)?
    private let sink = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

    deinit { sink.deallocate() }

    func send(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        let written = write(UnsafeMutableRawBufferPointer(rebasing: sink[0..<min(length, sink.count)]))
        guard written > 0 else { return }
        sentCount += 1
        sentBytes += written
        if let deliver { return deliver(UnsafeRawBufferPointer(rebasing: sink[0..<written])) }
        if keepsDatagrams { queued.append((address, Array(sink[0..<written]))) }
    }

    func takeQueued() -> [(to: SocketAddress, bytes: [UInt8])] {
        defer { queued.removeAll() }
        return queued
    }
}

/// A media node's transport (ICE-lite, DTLS server) and a browser's (controlling, DTLS client),
/// each on a `MemoryPort`, connected by handing datagrams across — the node layer's glue tested
/// the way NIO tests handlers on an `EmbeddedChannel`.
final class MemoryTransportPair {
    static let serverCertificate = try! DTLSCertificate.generateSelfSigned()
    static let clientCertificate = try! DTLSCertificate.generateSelfSigned()
    static let serverAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 7882)

    let clientAddress: SocketAddress
    let serverPort = MemoryPort()
    let clientPort = MemoryPort()
    let server: PeerTransport
    let client: PeerTransport
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

    init(clientPortNumber: Int) throws {
        clientAddress = try SocketAddress(ipAddress: "127.0.0.1", port: clientPortNumber)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let serverConnection = PeerConnection(iceRole: .lite, dtlsRole: .server, certificate: Self.serverCertificate)
        let clientConnection = PeerConnection(iceRole: .controlling, dtlsRole: .client, certificate: Self.clientCertificate)
        server = PeerTransport(id: "server", connection: serverConnection, port: serverPort, router: nil, logger: logger)
        client = PeerTransport(id: "client", connection: clientConnection, port: clientPort, router: nil, logger: logger)
        let now = MonotonicClock.nowNanos
        try server.start(remote: .init(ufrag: clientConnection.localCredentials.ufrag,
                                       password: clientConnection.localCredentials.password,
                                       fingerprint: Self.clientCertificate.fingerprintSHA256), nowNanos: now)
        try client.start(remote: .init(ufrag: serverConnection.localCredentials.ufrag,
                                       password: serverConnection.localCredentials.password,
                                       fingerprint: Self.serverCertificate.fingerprintSHA256,
                                       candidates: [Self.serverAddress.transportAddress!]), nowNanos: now)
    }

    deinit { scratch.deallocate() }

    /// Hands datagrams across until both sides are connected (or `rounds` pass).
    func connect(rounds: Int = 200) {
        for _ in 0..<rounds where !(server.isConnected && client.isConnected) {
            pump()
            usleep(1_000)
            let now = MonotonicClock.nowNanos
            client.tick(nowNanos: now)
            server.tick(nowNanos: now)
        }
        pump()
        serverPort.keepsDatagrams = false
    }

    /// From now on what the client sends reaches the server at once, decrypted in `scratch`.
    func connectClientToServer() {
        clientPort.deliver = { [unowned self] datagram in
            scratch.copyMemory(from: datagram)
            server.receive(scratch, length: datagram.count, over: .udp(clientAddress), nowNanos: MonotonicClock.nowNanos)
        }
    }

    func pump() {
        var moved = true
        while moved {
            moved = false
            for datagram in clientPort.takeQueued() where datagram.to == Self.serverAddress {
                deliver(datagram.bytes, to: server, from: clientAddress)
                moved = true
            }
            for datagram in serverPort.takeQueued() where datagram.to == clientAddress {
                deliver(datagram.bytes, to: client, from: Self.serverAddress)
                moved = true
            }
        }
    }

    private func deliver(_ bytes: [UInt8], to transport: PeerTransport, from address: SocketAddress) {
        bytes.withUnsafeBytes { scratch.copyMemory(from: $0) }
        transport.receive(scratch, length: bytes.count, over: .udp(address), nowNanos: MonotonicClock.nowNanos)
    }
}
