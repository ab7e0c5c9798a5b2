/// Requests sent over a socket and still waiting for their answers, matched by request id: the
/// bookkeeping of `RequestChannel`, a value confined to it; the channel arms the timeouts.
///
/// A request is `open`ed before it is written, because the answer may arrive (and be
/// `deliver`ed) while the write is still suspended; `park` then either hands the answer over at
/// once or keeps the continuation until `deliver`, `expire` or `failAll`.
public struct PendingAnswers<Answer: Sendable> {
    public enum Failure: Error, Sendable {
        /// The socket ended before the answer came.
        case closed
        /// The request outlived its timeout.
        case timedOut
    }

    private enum Slot {
        case waiting(CheckedContinuation<Answer, any Error>?)
        case answered(Answer)
    }

    private var nextID = 1
    private var slots: [Int: Slot] = [:]

    public init() {}

    /// A new request id, waiting for its answer.
    public mutating func open() -> Int {
        let id = nextID
        nextID += 1
        slots[id] = .waiting(nil)
        return id
    }

    /// Call from inside `withCheckedThrowingContinuation`: resumes at once when the answer is
    /// already here (or the socket already ended); returns true when the continuation was kept,
    /// i.e. the caller should arm a timeout.
    public mutating func park(_ id: Int, _ continuation: CheckedContinuation<Answer, any Error>) -> Bool {
        switch slots[id] {
        case .answered(let answer):
            slots[id] = nil
            continuation.resume(returning: answer)
            return false
        case .waiting:
            slots[id] = .waiting(continuation)
            return true
        case nil:
            continuation.resume(throwing: Failure.closed)
            return false
        }
    }

    /// An answer arrived; late answers to expired requests are dropped.
    public mutating func deliver(_ id: Int, _ answer: Answer) {
        guard let slot = slots[id] else { return }
        switch slot {
        case .waiting(let continuation?):
            slots[id] = nil
            continuation.resume(returning: answer)
        case .waiting(nil):
            slots[id] = .answered(answer)
        case .answered:
            break
        }
    }

    /// The request's timeout fired; returns whether it was still waiting.
    @discardableResult
    public mutating func expire(_ id: Int) -> Bool {
        guard case .waiting(let continuation?) = slots[id] else { return false }
        slots[id] = nil
        continuation.resume(throwing: Failure.timedOut)
        return true
    }

    /// The socket ended: every waiting request fails, and requests parked later fail at once.
    public mutating func failAll() {
        for slot in slots.values {
            if case .waiting(let continuation?) = slot { continuation.resume(throwing: Failure.closed) }
        }
        slots.removeAll()
    }
}
