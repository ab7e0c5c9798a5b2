import HummingbirdWebSocket
import Logging

/// JSON requests and answers over one WebSocket, matched by request id: the protocol that both
/// the media uplink (control ↔ an unreachable node, docs/uplink.md) and a cascade link's control
/// channel (node ↔ node) speak. Either side may ask; an answer names the request it answers
/// (`re`), every request has a timeout, and when the socket ends everything pending fails.
///
/// Frames are text; the wire formats (`UplinkWire`, `LinkMessage`) stay with their users, which
/// only tell the channel how to find an answer's request id.
public actor RequestChannel {
    public enum Failure: Error, Sendable, Equatable {
        /// The socket is closed, or ended before the answer came.
        case closed
        /// No answer within the timeout.
        case timedOut
    }

    /// Handles one request frame from the peer and returns the answer frame (nil: none).
    /// Requests are handled concurrently: answering one may need a request the other way.
    public typealias RequestHandler = @Sendable (String) async -> String?

    private let outbound: WebSocketOutboundWriter
    private let timeout: Duration
    private let answerID: @Sendable (String) -> Int?
    private let logger: Logger
    private var pending = PendingAnswers<String>()
    private var timers: [Int: Task<Void, Never>] = [:]
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    public private(set) var isClosed = false

    /// - Parameter answerID: the request id an incoming frame answers, or nil when it is a
    ///   request (or a notification) of the peer's.
    public init(outbound: WebSocketOutboundWriter, timeout: Duration, logger: Logger,
                answerID: @escaping @Sendable (String) -> Int?) {
        self.outbound = outbound
        self.timeout = timeout
        self.answerID = answerID
        self.logger = logger
    }

    /// Sends the request `frame(id)` builds and waits for the answer's text.
    public func request(_ frame: (Int) -> String) async throws(Failure) -> String {
        guard !isClosed else { throw .closed }
        // Opened before the write: the answer may arrive while the write is still suspended.
        let id = pending.open()
        do {
            try await outbound.write(.text(frame(id)))
        } catch {
            await close(reason: "write failed")
            throw .closed
        }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                guard pending.park(id, continuation) else { return }
                let timeout = self.timeout
                timers[id] = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    await self?.expire(id)
                }
            }
        } catch PendingAnswers<String>.Failure.timedOut {
            throw .timedOut
        } catch {
            throw .closed
        }
    }

    /// Sends a frame that expects no answer (an answer of ours, a notification).
    public func send(_ frame: String) async {
        guard !isClosed else { return }
        do {
            try await outbound.write(.text(frame))
        } catch {
            markClosed()
        }
    }

    private func answerArrived(_ id: Int, _ frame: String) {
        timers.removeValue(forKey: id)?.cancel()
        pending.deliver(id, frame)
    }

    private func expire(_ id: Int) {
        timers[id] = nil
        if pending.expire(id) { logger.warning("request timed out", metadata: ["request": "\(id)"]) }
    }

    /// Fails every pending request; later requests fail at once.
    public func markClosed() {
        isClosed = true
        pending.failAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for waiter in closeWaiters { waiter.resume() }
        closeWaiters.removeAll()
    }

    /// Returns once the channel is closed (at once if it is).
    public func waitUntilClosed() async {
        guard !isClosed else { return }
        await withCheckedContinuation { closeWaiters.append($0) }
    }

    /// Fails what is pending and closes the socket normally (the peer may redial).
    public func close(reason: String) async {
        guard !isClosed else { return }
        markClosed()
        try? await outbound.close(.normalClosure, reason: reason)
    }

    /// Reads frames until the socket ends: answers go to their requests, everything else to
    /// `handle` (each in a child task), whose answer is sent back. Binary frames are ignored.
    public nonisolated func run(_ inbound: WebSocketInboundStream, maxFrameBytes: Int,
                                handle: RequestHandler? = nil) async {
        await withTaskGroup(of: Void.self) { group in
            do {
                for try await message in inbound.messages(maxSize: maxFrameBytes) {
                    guard case .text(let text) = message else {
                        logger.warning("binary frame ignored")
                        continue
                    }
                    if let id = answerID(text) {
                        await answerArrived(id, text)
                        continue
                    }
                    guard let handle else {
                        logger.warning("a frame that is not an answer was ignored")
                        continue
                    }
                    group.addTask {
                        guard let answer = await handle(text) else { return }
                        // One frame per answer: concurrent writers cannot interleave.
                        await self.send(answer)
                    }
                }
            } catch {
                logger.info("socket failed", metadata: ["error": "\(error)"])
            }
            await markClosed()
            group.cancelAll()
        }
    }
}
