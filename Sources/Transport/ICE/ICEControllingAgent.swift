import STUN

/// A controlling full-ICE agent (RFC 8445) for one component, as a pure state machine: used by
/// the benchmark client toward a lite server and by server-to-server links, where the dialing
/// side is always controlling.
///
/// It has one local transport address (the caller's socket) and pairs it with each remote
/// candidate, in the order given (best first). Checks are paced every `pacingIntervalNanos`
/// (Ta, RFC 8445 §14.2) and retransmitted per RFC 8489 §6.2.1.
///
/// Nomination is **regular** (RFC 8445 §8.1.1), as aioice does: plain checks first; once the
/// best pair still in the running has succeeded (or `nominationWaitNanos` after the first
/// success), the best valid pair is checked again with USE-CANDIDATE, and `.connected` is
/// reported when that check succeeds. Regular nomination keeps the peer free to select
/// provisionally (a lite server does) without ever switching between several nominated pairs.
///
/// Once connected it keeps consent (RFC 7675 §5.1): a check every `consentIntervalNanos` ± 20 %,
/// each retransmitted until the next, and `.failed(.consentExpired)` when no authenticated
/// response arrived for `consentTimeoutNanos`. Consent checks carry USE-CANDIDATE, as Chrome's
/// pings toward lite peers do, so the peer's nomination stays fresh.
///
/// It also answers the checks of a full-ICE peer (a lite server sends none), and triggers a
/// check back on that path (RFC 8445 §7.3.1.4). It never gives up the controlling role: a peer
/// that also claims to control gets 487 (RFC 8445 §7.3.1.1).
public struct ICEControllingAgent: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var retransmission: STUNRetransmissionPolicy
        /// Ta: at most one new check per interval (RFC 8445 §14.2 default 50 ms).
        public var pacingIntervalNanos: UInt64
        /// After the first successful check, how long to wait for better pairs before nominating.
        public var nominationWaitNanos: UInt64
        /// Give up when not connected this long after `start`.
        public var connectTimeoutNanos: UInt64
        /// RFC 7675 §5.1: a consent check every 5 s, randomized to 0.8–1.2 of it.
        public var consentIntervalNanos: UInt64
        /// RFC 7675 §5.1: consent expires 30 s after the last authenticated response.
        public var consentTimeoutNanos: UInt64
        /// Local preference for PRIORITY, which is computed as for a peer-reflexive candidate
        /// (RFC 8445 §7.1.1).
        public var localPreference: UInt16
        /// Written as SOFTWARE in requests and responses when set.
        public var software: String?

        public init(retransmission: STUNRetransmissionPolicy = STUNRetransmissionPolicy(),
                    pacingIntervalNanos: UInt64 = 50_000_000, nominationWaitNanos: UInt64 = 500_000_000,
                    connectTimeoutNanos: UInt64 = 30_000_000_000, consentIntervalNanos: UInt64 = 5_000_000_000,
                    consentTimeoutNanos: UInt64 = 30_000_000_000, localPreference: UInt16 = 65535,
                    software: String? = nil) {
            self.retransmission = retransmission
            self.pacingIntervalNanos = pacingIntervalNanos
            self.nominationWaitNanos = nominationWaitNanos
            self.connectTimeoutNanos = connectTimeoutNanos
            self.consentIntervalNanos = consentIntervalNanos
            self.consentTimeoutNanos = consentTimeoutNanos
            self.localPreference = localPreference
            self.software = software
        }
    }

    public enum FailureReason: Hashable, Sendable {
        /// Every pair failed (timed out, error response or asymmetric response).
        case allChecksFailed
        /// Not connected within `connectTimeoutNanos`.
        case connectTimeout
        /// RFC 7675: no authenticated response to consent checks within `consentTimeoutNanos`.
        case consentExpired
    }

    public enum State: Hashable, Sendable {
        case new
        case checking
        case connected(TransportAddress)
        case failed(FailureReason)
        case closed
    }

    public enum Event: Hashable, Sendable {
        /// A nominated pair succeeded: send media to this remote address.
        case connected(TransportAddress)
        /// Terminal; stop sending.
        case failed(FailureReason)
    }

    public struct Outgoing: Hashable, Sendable {
        public var bytes: [UInt8]
        public var to: TransportAddress

        public init(bytes: [UInt8], to: TransportAddress) {
            self.bytes = bytes
            self.to = to
        }
    }

    public struct Output: Sendable {
        public var outgoing: [Outgoing] = []
        public var events: [Event] = []
        /// For an inbound Binding request: what became of it. Nil for anything else.
        public var requestOutcome: ICECheckOutcome?

        public init() {}
    }

    enum PairState: Hashable, Sendable {
        case waiting
        case inProgress
        case succeeded
        case failed
    }

    struct CandidatePair: Sendable {
        var remote: TransportAddress
        var state: PairState
    }

    enum Purpose: Hashable, Sendable {
        case check(pair: Int)
        case nomination(pair: Int)
        case consent
    }

    struct PendingRequest: Sendable {
        var transaction: STUNClientTransaction
        var purpose: Purpose
        var destination: TransportAddress
    }

    public let configuration: Configuration
    public let localCredentials: ICECredentials
    public let remoteUfrag: String
    public let remotePassword: String
    public let tieBreaker: UInt64
    public internal(set) var state: State = .new

    var pairs: [CandidatePair]
    var pending: [PendingRequest] = []
    /// Pairs to check before the ordinary order (RFC 8445 §6.1.4.1 triggered-check queue).
    var triggeredQueue: [Int] = []
    var checkingStartedNanos: UInt64 = 0
    var nextCheckNanos: UInt64 = 0
    var firstSuccessNanos: UInt64?
    var lastConsentNanos: UInt64 = 0
    var nextConsentNanos: UInt64 = 0
    /// Transaction IDs of superseded consent checks, so a late response still counts.
    var recentConsentIDs: [STUNTransactionID] = []
    var jitter: SplitMix64

    public init(local: ICECredentials, remoteUfrag: String, remotePassword: String,
                remoteCandidates: [TransportAddress], tieBreaker: UInt64,
                configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.localCredentials = local
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
        self.tieBreaker = tieBreaker
        var seen = Set<TransportAddress>()
        self.pairs = remoteCandidates.filter { seen.insert($0).inserted }.map { CandidatePair(remote: $0, state: .waiting) }
        self.jitter = SplitMix64(seed: tieBreaker)
    }

    /// A random 64-bit tie-breaker (RFC 8445 §16.1 ICE-CONTROLLING).
    public static func randomTieBreaker() -> UInt64 { UInt64.random(in: .min ... .max) }

    /// The remote address media goes to, once connected.
    public var selectedRemote: TransportAddress? {
        if case .connected(let remote) = state { return remote }
        return nil
    }

    var isActive: Bool {
        switch state {
        case .new, .checking, .connected: return true
        case .failed, .closed: return false
        }
    }

    /// Adds a trickled remote candidate (RFC 8838) while still checking.
    public mutating func addRemoteCandidate(_ address: TransportAddress) {
        guard state == .new || state == .checking, !pairs.contains(where: { $0.remote == address }) else { return }
        pairs.append(CandidatePair(remote: address, state: .waiting))
    }

    /// Begins checking: sends the first check at once.
    public mutating func start(nowNanos: UInt64) -> [Outgoing] {
        guard state == .new else { return [] }
        state = .checking
        checkingStartedNanos = nowNanos
        nextCheckNanos = nowNanos
        var output = Output()
        startNextCheck(nowNanos: nowNanos, into: &output)
        return output.outgoing
    }

    /// Stops everything without a goodbye (the owner tears down the socket).
    public mutating func close() {
        state = .closed
        pending = []
        triggeredQueue = []
    }

    // MARK: Time

    /// When `tick` must next be called; nil when stopped.
    public var nextDeadlineNanos: UInt64? {
        var deadline: UInt64?
        func consider(_ time: UInt64) { deadline = min(deadline ?? time, time) }
        switch state {
        case .new, .failed, .closed:
            return nil
        case .checking:
            consider(checkingStartedNanos &+ configuration.connectTimeoutNanos)
            if !triggeredQueue.isEmpty || pairs.contains(where: { $0.state == .waiting }) || pairs.isEmpty {
                consider(nextCheckNanos)
            }
            if let firstSuccessNanos, !isNominating, pairs.contains(where: { $0.state == .succeeded }) {
                consider(firstSuccessNanos &+ configuration.nominationWaitNanos)
            }
        case .connected:
            consider(nextConsentNanos)
            consider(lastConsentNanos &+ configuration.consentTimeoutNanos)
        }
        for request in pending { consider(request.transaction.deadlineNanos) }
        return deadline
    }

    public mutating func tick(nowNanos: UInt64) -> Output {
        var output = Output()
        guard isActive, state != .new else { return output }

        if state == .checking, nowNanos >= checkingStartedNanos &+ configuration.connectTimeoutNanos {
            fail(.connectTimeout, into: &output)
            return output
        }
        if case .connected = state, nowNanos >= lastConsentNanos &+ configuration.consentTimeoutNanos {
            fail(.consentExpired, into: &output)
            return output
        }

        runRetransmissions(nowNanos: nowNanos, into: &output)

        switch state {
        case .checking:
            if nowNanos >= nextCheckNanos { startNextCheck(nowNanos: nowNanos, into: &output) }
            nominateIfReady(nowNanos: nowNanos, into: &output)
            failIfNothingLeft(into: &output)
        case .connected:
            if nowNanos >= nextConsentNanos { sendConsentCheck(nowNanos: nowNanos, into: &output) }
        default:
            break
        }
        return output
    }

    private mutating func runRetransmissions(nowNanos: UInt64, into output: inout Output) {
        var index = 0
        while index < pending.count {
            switch pending[index].transaction.step(nowNanos: nowNanos) {
            case .wait:
                index += 1
            case .retransmit(let bytes):
                output.outgoing.append(Outgoing(bytes: bytes, to: pending[index].destination))
                index += 1
            case .timedOut:
                let request = pending.remove(at: index)
                switch request.purpose {
                case .check(let pair), .nomination(let pair):
                    pairs[pair].state = .failed
                case .consent:
                    break  // expiry is decided by the consent timer alone
                }
            }
        }
    }

    // MARK: Checks and nomination

    var isNominating: Bool {
        pending.contains { if case .nomination = $0.purpose { return true } else { return false } }
    }

    /// Sends one check: the oldest triggered one, else the best waiting pair (RFC 8445 §6.1.4.2).
    mutating func startNextCheck(nowNanos: UInt64, into output: inout Output) {
        var chosen: Int?
        while chosen == nil, !triggeredQueue.isEmpty {
            let candidate = triggeredQueue.removeFirst()
            if pairs[candidate].state == .waiting { chosen = candidate }
        }
        if chosen == nil { chosen = pairs.firstIndex { $0.state == .waiting } }
        guard let pair = chosen else { return }
        pairs[pair].state = .inProgress
        sendRequest(purpose: .check(pair: pair), to: pairs[pair].remote, useCandidate: false,
                    nowNanos: nowNanos, into: &output)
        nextCheckNanos = nowNanos &+ configuration.pacingIntervalNanos
    }

    /// Nominates the best valid pair once no better pair is still being checked, or once
    /// `nominationWaitNanos` passed since the first success.
    mutating func nominateIfReady(nowNanos: UInt64, into output: inout Output) {
        guard state == .checking, !isNominating,
              let best = pairs.firstIndex(where: { $0.state == .succeeded }) else { return }
        let betterStillRunning = pairs[..<best].contains { $0.state == .waiting || $0.state == .inProgress }
        let waited = nowNanos >= (firstSuccessNanos ?? nowNanos) &+ configuration.nominationWaitNanos
        guard !betterStillRunning || waited else { return }
        sendRequest(purpose: .nomination(pair: best), to: pairs[best].remote, useCandidate: true,
                    nowNanos: nowNanos, into: &output)
    }

    mutating func failIfNothingLeft(into output: inout Output) {
        guard state == .checking, pending.isEmpty,
              !pairs.contains(where: { $0.state == .waiting || $0.state == .succeeded }) else { return }
        fail(.allChecksFailed, into: &output)
    }

    mutating func sendConsentCheck(nowNanos: UInt64, into output: inout Output) {
        guard case .connected(let remote) = state else { return }
        // RFC 7675 §5.1: each consent check is a new transaction; the previous one is abandoned
        // but its late response still counts.
        let superseded = pending.filter { $0.purpose == .consent }.map(\.transaction.id)
        recentConsentIDs.append(contentsOf: superseded)
        pending.removeAll { $0.purpose == .consent }
        if recentConsentIDs.count > 4 { recentConsentIDs.removeFirst(recentConsentIDs.count - 4) }
        sendRequest(purpose: .consent, to: remote, useCandidate: true, nowNanos: nowNanos, into: &output)
        nextConsentNanos = nowNanos &+ jitteredConsentInterval()
    }

    /// RFC 7675 §5.1: uniformly 0.8–1.2 × the interval.
    mutating func jitteredConsentInterval() -> UInt64 {
        let percent = 80 + jitter.next() % 41
        return configuration.consentIntervalNanos / 100 &* percent
    }

    /// A Binding request per RFC 8445 §7.2.2: USERNAME "remote:local", PRIORITY, ICE-CONTROLLING,
    /// optionally USE-CANDIDATE, MESSAGE-INTEGRITY with the peer's password, FINGERPRINT.
    mutating func sendRequest(purpose: Purpose, to destination: TransportAddress, useCandidate: Bool,
                              nowNanos: UInt64, into output: inout Output) {
        let id = STUNTransactionID.random()
        var attributes: [STUNAttribute] = [
            .username(localCredentials.checkUsername(toRemoteUfrag: remoteUfrag)),
            .priority(ICEPriority.candidate(type: .peerReflexive, localPreference: configuration.localPreference)),
            .iceControlling(tieBreaker: tieBreaker),
        ]
        if useCandidate { attributes.append(.useCandidate) }
        if let software = configuration.software { attributes.append(.software(software)) }
        let bytes = STUNMessage(method: .binding, messageClass: .request, transactionID: id, attributes: attributes)
            .serialized(messageIntegrityKey: Array(remotePassword.utf8), fingerprint: true)
        let transaction = STUNClientTransaction(id: id, bytes: bytes, policy: configuration.retransmission,
                                                sentAtNanos: nowNanos)
        pending.append(PendingRequest(transaction: transaction, purpose: purpose, destination: destination))
        output.outgoing.append(Outgoing(bytes: bytes, to: destination))
    }

    mutating func fail(_ reason: FailureReason, into output: inout Output) {
        state = .failed(reason)
        pending = []
        triggeredQueue = []
        output.events.append(.failed(reason))
    }
}

/// A small deterministic generator (SplitMix64) for consent-interval jitter, which needs spread,
/// not secrecy; seeded from the tie-breaker so tests are reproducible.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
