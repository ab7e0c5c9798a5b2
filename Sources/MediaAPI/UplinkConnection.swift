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
    private var nextID = 1
    private var pending: [Int: Slot] = [:]
    private var timers: [Int: Task<Void, Never>] = [:]
    private(set) var isClosed = false

    private enum Slot {
        /// Sent; the caller's continuation is set once the write returned.
        case waiting(CheckedContinuation<Data, any Error>?)
        /// The answer came back while the request was still being written.
        case answered(Data)
    }

    private enum Failure: Error {
        case notConnected, timedOut
    }

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
        let id = nextID
        nextID += 1
        pending[id] = .waiting(nil)
        do {
            try await outbound.write(.text(UplinkRequest(id: id, call: call).encoded()))
        } catch {
            await close(reason: "write failed")
            throw Self.notConnected(node)
        }
        let data: Data
        do {
            data = try await withCheckedThrowingContinuation { continuation in
                switch pending[id] {
                case .answered(let data):
                    pending[id] = nil
                    continuation.resume(returning: data)
                case .waiting:
                    pending[id] = .waiting(continuation)
                    let timeout = self.timeout
                    timers[id] = Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        guard !Task.isCancelled else { return }
                        await self?.expire(id)
                    }
                case nil:
                    // The socket ended while the request was being written.
                    continuation.resume(throwing: Failure.notConnected)
                }
            }
        } catch Failure.timedOut {
            throw Self.noAnswer(node)
        } catch {
            throw Self.notConnected(node)
        }
        return try UplinkAnswer.result(type, from: data, node: node, method: call.method)
    }

    private func answerArrived(_ id: Int, _ data: Data) {
        guard let slot = pending[id] else { return }  // late answer to an expired request
        switch slot {
        case .waiting(let continuation?):
            pending[id] = nil
            timers.removeValue(forKey: id)?.cancel()
            continuation.resume(returning: data)
        case .waiting(nil):
            pending[id] = .answered(data)
        case .answered:
            break
        }
    }

    private func expire(_ id: Int) {
        timers[id] = nil
        guard case .waiting(let continuation?) = pending[id] else { return }
        pending[id] = nil
        logger.warning("media uplink request timed out", metadata: ["request": "\(id)"])
        continuation.resume(throwing: Failure.timedOut)
    }

    /// Fails every pending request; later calls fail at once.
    func markClosed() {
        isClosed = true
        for slot in pending.values {
            if case .waiting(let continuation?) = slot { continuation.resume(throwing: Failure.notConnected) }
        }
        pending.removeAll()
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
