import Synchronization

/// What a participant's socket should send next.
public enum OutboundItem: Sendable, Equatable {
    case text(String)
    /// Send a close frame with this code and reason, then nothing more.
    case close(code: UInt16, reason: String)
}

/// The bounded queue of frames for one socket.
///
/// Rooms and sessions put frames in without waiting (`send` never suspends), and one writer task
/// takes them out (`next()`) to the socket. A socket that cannot keep up — slow or dead — fills
/// the queue; the outbox then gives up on it: it finishes and calls the overflow handler, which
/// closes the transport, so the room sees the participant disconnect instead of stalling on it.
public final class Outbox: Sendable {
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var queue: [OutboundItem] = []
        var waiter: CheckedContinuation<OutboundItem?, Never>?
        var finished = false
        var overflowed = false
        var onOverflow: (@Sendable () -> Void)?
    }

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State())
    }

    /// Called once if the queue overflows (set by the transport adapter).
    public func setOverflowHandler(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.onOverflow = handler }
    }

    /// True once closed, finished or overflowed: nothing more will be queued.
    public var isFinished: Bool { state.withLock { $0.finished } }
    public var didOverflow: Bool { state.withLock { $0.overflowed } }

    /// Queues a text frame. Returns false if nothing more can be queued.
    @discardableResult
    public func send(_ text: String) -> Bool {
        enqueue(.text(text))
    }

    func send(_ message: some ServerMessage) {
        send(ServerMessageEncoder.encode(message))
    }

    /// Queues a close frame; nothing is queued after it.
    public func close(code: UInt16, reason: String) {
        _ = enqueue(.close(code: code, reason: reason))
    }

    /// Ends the queue without a close frame (the transport is gone). Queued frames are dropped.
    public func finish() {
        let waiter: CheckedContinuation<OutboundItem?, Never>? = state.withLock { state in
            state.finished = true
            state.queue.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next frame to send, waiting for one; nil when the outbox is finished and empty.
    /// For the one writer task of the socket.
    public func next() async -> OutboundItem? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<OutboundItem?, Never>) in
                let ready: OutboundItem?? = state.withLock { state in
                    if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                    if state.finished { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Everything queued so far, without waiting (tests read replies this way).
    public func drain() -> [OutboundItem] {
        state.withLock { state in
            defer { state.queue.removeAll() }
            return state.queue
        }
    }

    private func enqueue(_ item: OutboundItem) -> Bool {
        enum Outcome {
            case queued(CheckedContinuation<OutboundItem?, Never>?)
            case refused
            case overflowed((@Sendable () -> Void)?)
        }
        let isClose: Bool
        if case .close = item { isClose = true } else { isClose = false }
        let outcome: Outcome = state.withLock { state in
            guard !state.finished else { return .refused }
            // A close frame may exceed the capacity by one: it is the last item.
            guard state.queue.count < capacity || isClose else {
                state.finished = true
                state.overflowed = true
                state.queue.removeAll()
                defer { state.waiter = nil }
                if let waiter = state.waiter { waiter.resume(returning: nil) }
                return .overflowed(state.onOverflow)
            }
            if isClose { state.finished = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return .queued(waiter)
            }
            state.queue.append(item)
            return .queued(nil)
        }
        switch outcome {
        case .queued(let waiter):
            waiter?.resume(returning: item)
            return true
        case .refused:
            return false
        case .overflowed(let handler):
            handler?()
            return false
        }
    }
}
