import HummingbirdWebSocket
import Logging
import MediaAPI
import NIOCore

/// The control channel of one cascade link: JSON requests and answers over a WebSocket that the
/// dialing node opened. Either side may ask; answers are matched by id. Requests are handled
/// concurrently, because answering one may need a request the other way (a `pull` that arrives
/// at the dialer first sets up the media transport with `transport.offer`).
actor LinkChannel {
    nonisolated let peerNode: String
    nonisolated let worker: Int
    /// This side opened the WebSocket: it is the ICE controlling side and DTLS client.
    nonisolated let isDialer: Bool
    private let outbound: WebSocketOutboundWriter
    private var pending = PendingAnswers<LinkMessage>()
    private(set) var isClosed = false
    let logger: Logger

    static let requestTimeout = Duration.seconds(10)
    static let maxMessageBytes = 1 << 20

    init(peerNode: String, worker: Int, isDialer: Bool, outbound: WebSocketOutboundWriter, logger: Logger) {
        self.peerNode = peerNode
        self.worker = worker
        self.isDialer = isDialer
        self.outbound = outbound
        var logger = logger
        logger[metadataKey: "peer_node"] = "\(peerNode)"
        self.logger = logger
    }

    /// Sends a request and waits for its answer; an `error` answer becomes a `MediaError`.
    func request(_ message: LinkMessage) async throws(MediaError) -> LinkMessage {
        guard !isClosed else { throw .internalFailure("the link to node '\(peerNode)' is closed") }
        var message = message
        let id = pending.open()
        message.id = id
        await send(message)
        let answer: LinkMessage
        do {
            answer = try await withCheckedThrowingContinuation { continuation in
                guard pending.park(id, continuation) else { return }
                Task { [weak self] in
                    try? await Task.sleep(for: Self.requestTimeout)
                    await self?.expire(id)
                }
            }
        } catch {
            throw .internalFailure("no answer from node '\(peerNode)' to '\(message.type.rawValue)'")
        }
        if answer.type == .error {
            throw .notFound(answer.reason ?? "node '\(peerNode)' refused '\(message.type.rawValue)'")
        }
        return answer
    }

    /// Sends without waiting for an answer (answers, notifications).
    func send(_ message: LinkMessage) async {
        guard !isClosed else { return }
        do {
            try await outbound.write(.text(message.encoded()))
        } catch {
            close()
        }
    }

    func answerArrived(_ message: LinkMessage) {
        guard let id = message.re else { return }
        pending.deliver(id, message)
    }

    private func expire(_ id: Int) {
        pending.expire(id)
    }

    /// Fails every pending request; later sends do nothing.
    func close() {
        isClosed = true
        pending.failAll()
    }

    func closeSocket() async {
        guard !isClosed else { return }
        close()
        try? await outbound.close(.normalClosure, reason: "link closed")
    }

    /// Reads messages until the socket ends; answers go to `answerArrived`, requests and
    /// notifications to `handle`, whose answer (if any) is sent back with `re` set.
    nonisolated func run(_ inbound: WebSocketInboundStream,
                         handle: @escaping @Sendable (LinkMessage) async -> LinkMessage?) async {
        await withTaskGroup(of: Void.self) { group in
            do {
                for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                    guard case .text(let text) = message, let decoded = LinkMessage.decode(text) else {
                        logger.warning("cascade link: undecodable message ignored")
                        continue
                    }
                    if decoded.re != nil {
                        await answerArrived(decoded)
                        continue
                    }
                    group.addTask {
                        guard var answer = await handle(decoded) else { return }
                        answer.re = decoded.id
                        await self.send(answer)
                    }
                }
            } catch {
                logger.info("cascade link socket failed", metadata: ["error": "\(error)"])
            }
            await close()
            group.cancelAll()
        }
    }
}
