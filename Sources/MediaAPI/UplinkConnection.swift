import Foundation
import HummingbirdWebSocket
import Logging

/// One open uplink, on control's side: sends requests, matches answers to them by id, and fails
/// what is pending when the socket ends (or a request outlives its timeout).
actor UplinkConnection {
    nonisolated let node: String
    private let outbound: WebSocketOutboundWriter
    private let timeout: Duration
    private let logger: Logger
    private var pending = PendingAnswers<Data>()
    private var timers: [Int: Task<Void, Never>] = [:]
    private(set) var isClosed = false

    static func notConnected(_ node: String) -> MediaError { .internalFailure("node \(node) is not connected") }
    static func noAnswer(_ node: String) -> MediaError { .internalFailure("node \(node) did not answer") }

    init(node: String, outbound: WebSocketOutboundWriter, timeout: Duration, logger: Logger) {
        self.node = node
        self.outbound = outbound
        self.timeout = timeout
        var logger = logger
        logger[metadataKey: "node"] = "\(node)"
        self.logger = logger
    }

    /// Sends `call` and waits for the node's answer, decoded as `Result`.
    func call<Result: Decodable>(_ call: UplinkCall, _ type: Result.Type) async throws(MediaError) -> Result {
        guard !isClosed else { throw Self.notConnected(node) }
        let id = pending.open()
        do {
            try await outbound.write(.text(UplinkRequest(id: id, call: call).encoded()))
        } catch {
            await close(reason: "write failed")
            throw Self.notConnected(node)
        }
        let data: Data
        do {
            data = try await withCheckedThrowingContinuation { continuation in
                guard pending.park(id, continuation) else { return }
                let timeout = self.timeout
                timers[id] = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    await self?.expire(id)
                }
            }
        } catch PendingAnswers<Data>.Failure.timedOut {
            throw Self.noAnswer(node)
        } catch {
            throw Self.notConnected(node)
        }
        return try UplinkAnswer.result(type, from: data, node: node, method: call.method)
    }

    private func answerArrived(_ id: Int, _ data: Data) {
        timers.removeValue(forKey: id)?.cancel()
        pending.deliver(id, data)
    }

    private func expire(_ id: Int) {
        timers[id] = nil
        if pending.expire(id) {
            logger.warning("media uplink request timed out", metadata: ["request": "\(id)"])
        }
    }

    /// Fails every pending request; later calls fail at once.
    func markClosed() {
        isClosed = true
        pending.failAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
    }

    /// Fails what is pending and closes the socket (the node sees a normal close and redials).
    func close(reason: String) async {
        guard !isClosed else { return }
        markClosed()
        try? await outbound.close(.normalClosure, reason: reason)
    }

    /// Reads answers until the socket ends. Requests from the node are not part of the protocol.
    nonisolated func run(_ inbound: WebSocketInboundStream) async {
        do {
            for try await message in inbound.messages(maxSize: UplinkWire.maxMessageBytes) {
                guard case .text(let text) = message else {
                    logger.warning("media uplink: binary frame ignored")
                    continue
                }
                let data = Data(text.utf8)
                guard let id = UplinkAnswer.requestID(of: data) else {
                    logger.warning("media uplink: a frame that is not an answer was ignored")
                    continue
                }
                await answerArrived(id, data)
            }
        } catch {
            logger.info("media uplink socket failed", metadata: ["error": "\(error)"])
        }
        await markClosed()
    }
}
