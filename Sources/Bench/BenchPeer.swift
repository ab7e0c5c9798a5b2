import DTLS
import Logging
import MediaServer
import NIOCore
import PeerConnection
import RTP
import SDP

/// What publishers and subscribers share: a peer connection on a UDP socket of its own (as a
/// browser's, controlling and DTLS client), confined to one event loop, and a promise fulfilled
/// when DTLS-SRTP is up.
///
/// `@unchecked Sendable`: every member is touched only on `loop`; async code reaches it through
/// `loop.submit`.
class BenchPeer: PeerTransportDelegate, @unchecked Sendable {
    /// The load generator's own transports say only what went wrong, not each close.
    static let logger: Logger = {
        var logger = Logger(label: "cascade.bench")
        logger.logLevel = .warning
        return logger
    }()

    let loop: any EventLoop
    let connection: PeerConnection
    var socket: ClientUDPSocket?
    /// The transport on `socket`, once it is open.
    var transport: PeerTransport? { socket?.transport }
    let connected: EventLoopPromise<Void>
    private var settled = false
    private(set) var offer: SessionDescription?
    private(set) var negotiated: NegotiatedSession?

    init(loop: any EventLoop, certificate: DTLSCertificate) {
        self.loop = loop
        self.connection = PeerConnection(iceRole: .controlling, dtlsRole: .client, certificate: certificate)
        self.connected = loop.makePromise(of: Void.self)
    }

    /// Lets a subscriber look at clear RTP headers before decryption (nil: decrypt everything).
    func decryptionFilter() -> ((RTPHeader) -> Bool)? { nil }

    /// Opens the socket and returns the SDP offer (on the loop).
    func prepare(direction: MediaDirection, outgoingTracks: [MediaKind: OutgoingTrack]) -> EventLoopFuture<String> {
        loop.flatSubmit { [self] in
            ClientUDPSocket.open(connection: connection, transportID: "bench-\(ObjectIdentifier(self).hashValue)",
                                 logger: Self.logger, on: loop, datagramsPerRead: 4).map { [self] socket in
                self.socket = socket
                socket.transport.delegate = self
                socket.transport.shouldDecryptRTP = decryptionFilter()
                let offer = ClientNegotiation.makeOffer(for: connection, direction: direction,
                                                        capabilities: BenchCodecs.capabilities,
                                                        outgoingTracks: outgoingTracks)
                self.offer = offer
                return offer.serialized()
            }
        }
    }

    /// Applies the answer and starts ICE; fails `connected` after `timeoutNanos`.
    func accept(answer: String, timeoutNanos: Int64) -> EventLoopFuture<Void> {
        loop.submit { [self] in
            guard let offer, let transport else { throw ClientNegotiation.Failure.transport("no offer") }
            negotiated = try ClientNegotiation.accept(answerSDP: answer, to: offer, on: transport,
                                                      nowNanos: NIODeadline.now().uptimeNanoseconds)
            didNegotiate()
            socket?.flushIfNeeded()
            loop.scheduleTask(in: .nanoseconds(timeoutNanos)) { [self] in
                settle(.failure(BenchError.connectTimeout("\(connection.state)")))
            }
        }.flatMap { [self] in connected.futureResult }
    }

    func didNegotiate() {}

    func settle(_ result: Result<Void, any Error>) {
        guard !settled else { return }
        settled = true
        connected.completeWith(result)
    }

    /// Called by the loop driver every tick.
    func tick(nowNanos: UInt64) {
        socket?.tick(nowNanos: nowNanos)
    }

    // MARK: PeerTransportDelegate

    func transportConnected(_ transport: PeerTransport) {
        settle(.success(()))
    }

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader,
                   nowNanos: UInt64) {}

    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {}

    func transportClosed(_ transport: PeerTransport, reason: String) {
        settle(.failure(BenchError.transportClosed(reason)))
    }
}

enum BenchError: Error, CustomStringConvertible {
    case connectTimeout(String)
    case transportClosed(String)
    case http(String)
    case server(String)

    var description: String {
        switch self {
        case .connectTimeout(let state): "a peer did not connect in time (state: \(state))"
        case .transportClosed(let reason): "a peer transport closed: \(reason)"
        case .http(let reason): "signalling failed: \(reason)"
        case .server(let reason): "server: \(reason)"
        }
    }
}

/// VP8 + Opus only, so the server picks the codecs the synthetic sources imitate.
enum BenchCodecs {
    static let capabilities: MediaCapabilities = {
        let base = MediaCapabilities.sfuDefault
        return MediaCapabilities(audio: base.audio.filter { $0.name.lowercased() == "opus" },
                                 video: base.video.filter { $0.name.lowercased() == "vp8" },
                                 headerExtensions: base.headerExtensions)
    }()
}
