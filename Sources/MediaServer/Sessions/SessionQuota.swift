import MediaAPI
import Synchronization

/// How many WHIP/WHEP sessions a media node holds at once: per identity (a token's subject),
/// per client address (WHIP/WHEP clients that call the node directly), and in all.
///
/// Without bounds one guest token created 6,594 sessions in 28 s and took the node's memory
/// from 330 to 904 MB. Sessions that never complete ICE end at the connect timeout, so a client
/// at its limit gets room again within seconds unless its sessions are in use.
public struct SessionLimits: Sendable, Equatable {
    /// Sessions one identity may hold on this node. A meeting participant holds one
    /// subscription per other participant's publication, so this bounds meeting size too.
    public var perIdentity: Int
    /// Sessions created by direct WHIP/WHEP clients from one address (signaling's sessions are
    /// not counted here: they all come from control).
    public var perAddress: Int
    /// Sessions on the node; beyond, 503 (the node is full, another may not be).
    public var perNode: Int

    public init(perIdentity: Int = 256, perAddress: Int = 256, perNode: Int = 10_000) {
        self.perIdentity = perIdentity
        self.perAddress = perAddress
        self.perNode = perNode
    }
}

/// The sessions a node holds, counted against `SessionLimits`: a pure value (the node keeps it
/// behind a lock; its workers release what their sessions took when the sessions end).
struct SessionQuota: Sendable {
    /// What one admitted session counts against, given back by `release`.
    struct Ticket: Sendable, Equatable {
        let identity: String
        let address: String?
    }

    /// Why a session was refused.
    enum Refusal: Error, Equatable {
        case identity(limit: Int)
        case address(limit: Int)
        case node(limit: Int)

        var mediaError: MediaError {
            switch self {
            case .identity(let limit):
                .tooManySessions("this identity already holds \(limit) sessions on this node; end some first")
            case .address(let limit):
                .tooManySessions("this address already holds \(limit) sessions on this node; end some first")
            case .node(let limit):
                .capacity("this media node holds its maximum of \(limit) sessions")
            }
        }
    }

    let limits: SessionLimits
    private(set) var total = 0
    private var byIdentity: [String: Int] = [:]
    private var byAddress: [String: Int] = [:]

    init(limits: SessionLimits) {
        self.limits = limits
    }

    func count(identity: String) -> Int { byIdentity[identity, default: 0] }
    func count(address: String) -> Int { byAddress[address, default: 0] }

    /// Counts a new session, or says which limit it would pass. The node's limit is checked
    /// first: when the node is full, no client is to blame.
    mutating func admit(identity: String, address: String?) -> Result<Ticket, Refusal> {
        guard total < limits.perNode else { return .failure(.node(limit: limits.perNode)) }
        guard count(identity: identity) < limits.perIdentity else { return .failure(.identity(limit: limits.perIdentity)) }
        if let address, count(address: address) >= limits.perAddress { return .failure(.address(limit: limits.perAddress)) }
        total += 1
        byIdentity[identity, default: 0] += 1
        if let address { byAddress[address, default: 0] += 1 }
        return .success(Ticket(identity: identity, address: address))
    }

    /// A session admitted with `ticket` ended. Keys at zero are removed, so churn of many
    /// identities leaves nothing behind.
    mutating func release(_ ticket: Ticket) {
        total = max(0, total - 1)
        Self.decrement(&byIdentity, ticket.identity)
        if let address = ticket.address { Self.decrement(&byAddress, address) }
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        guard let count = counts[key] else { return }
        if count <= 1 { counts.removeValue(forKey: key) } else { counts[key] = count - 1 }
    }
}

/// The node's one `SessionQuota`, shared by its workers: admitted on the worker that creates a
/// session, released on the worker where it ends.
final class SessionAdmission: Sendable {
    private let quota: Mutex<SessionQuota>

    init(limits: SessionLimits) {
        quota = Mutex(SessionQuota(limits: limits))
    }

    func admit(identity: String, address: String?) throws(MediaError) -> SessionQuota.Ticket {
        let result = quota.withLock { $0.admit(identity: identity, address: address) }
        switch result {
        case .success(let ticket): return ticket
        case .failure(let refusal): throw refusal.mediaError
        }
    }

    func release(_ ticket: SessionQuota.Ticket) {
        quota.withLock { $0.release(ticket) }
    }

    var total: Int { quota.withLock { $0.total } }
}
