import STUN

/// The server side of ICE-lite (RFC 8445 §2.5, §7.3) for one peer transport, as a pure state
/// machine: bytes and times in; responses, events and deadlines out.
///
/// A lite agent never sends checks and is always controlled. It answers every authenticated
/// Binding request, accepts media from any tuple that authenticated (`isValidated`), and chooses
/// where to send (`selectedTuple`):
/// - the first authenticated tuple is selected provisionally (as mediasoup does), because Chrome
///   nominates toward a lite peer only once its pair is writable (INTEROP-NOTES §2);
/// - among nominated tuples (USE-CANDIDATE) the highest PRIORITY wins, not the latest
///   (RFC 8445 §8.1.1 / RFC 5245 §8.1.1) — Firefox nominates aggressively;
/// - a nominated tuple that stopped receiving checks for `nominationStaleAfterNanos` loses to
///   one that is still being checked, so a peer that moved to another path is followed.
///
/// Liveness (RFC 7675 from the server's side): the agent expires once no authenticated check has
/// arrived for `consentTimeoutNanos` (also when none ever arrives).
public struct ICELiteAgent: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// Expire after this long without an authenticated check. 30 s like mediasoup and RFC 7675;
        /// INTEROP-NOTES §2 advises at least 10 s.
        public var consentTimeoutNanos: UInt64
        /// A nominated tuple with no check for this long yields to a fresher nominated one.
        /// Above the slowest peer's check interval (aioice: 5 s ± 20 %) plus one lost check.
        public var nominationStaleAfterNanos: UInt64
        /// Authenticated tuples remembered at once; the least recently checked is forgotten first.
        public var maxValidatedTuples: Int
        /// Written as SOFTWARE in responses when set.
        public var software: String?

        public init(consentTimeoutNanos: UInt64 = 30_000_000_000, nominationStaleAfterNanos: UInt64 = 12_000_000_000,
                    maxValidatedTuples: Int = 16, software: String? = nil) {
            self.consentTimeoutNanos = consentTimeoutNanos
            self.nominationStaleAfterNanos = nominationStaleAfterNanos
            self.maxValidatedTuples = max(1, maxValidatedTuples)
            self.software = software
        }
    }

    public enum State: Hashable, Sendable {
        /// No authenticated check yet.
        case new
        /// At least one tuple authenticated; `selectedTuple` is set.
        case connected
        /// No authenticated check for `consentTimeoutNanos`. Terminal.
        case expired
        /// `close()` was called. Terminal.
        case closed
    }

    public enum Event: Hashable, Sendable {
        /// A tuple authenticated for the first time: media from it may be accepted.
        case tupleValidated(TransportAddress)
        /// Media should now be sent to this tuple (provisional selection or nomination).
        case selectedTupleChanged(TransportAddress)
    }

    public struct Result: Sendable {
        /// Send these bytes back to the request's source, from the local address it arrived on
        /// (RFC 8445 §7.2.5.2.1: peers drop asymmetric responses).
        public var response: [UInt8]?
        public var events: [Event]
        public var outcome: ICECheckOutcome
    }

    public enum Action: Hashable, Sendable {
        case none
        /// Consent is gone: stop sending and tear the transport down. Reported once.
        case expired
    }

    public let configuration: Configuration
    public private(set) var localCredentials: ICECredentials
    public private(set) var remoteUfrag: String?
    public private(set) var remotePassword: String?
    public private(set) var state: State = .new
    public private(set) var selectedTuple: TransportAddress?

    /// Credentials in use before `restart`, still answered until the peer uses the new ones.
    private var previousContext: BindingRequestCheck.Context?
    private var tuples: [TransportAddress: TupleRecord] = [:]
    private var clockStartNanos: UInt64?
    private var lastAuthenticatedNanos: UInt64?

    private struct TupleRecord: Sendable {
        var lastCheckNanos: UInt64
        /// PRIORITY of the latest USE-CANDIDATE check on this tuple; nil if never nominated.
        var nominatedPriority: UInt32?
    }

    /// - Parameters:
    ///   - remoteUfrag: the peer's a=ice-ufrag; when given, checks must name it after the colon.
    ///   - remotePassword: kept for the record; a lite agent never signs with it.
    ///   - nowNanos: starts the consent clock now; otherwise it starts at the first call that
    ///     passes a time.
    public init(local: ICECredentials, remoteUfrag: String?, remotePassword: String?,
                configuration: Configuration = Configuration(), nowNanos: UInt64? = nil) {
        self.configuration = configuration
        self.localCredentials = local
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
        self.clockStartNanos = nowNanos
    }

    /// True when media from this tuple may be accepted (it sent an authenticated check).
    public func isValidated(_ tuple: TransportAddress) -> Bool { tuples[tuple] != nil }

    /// Every tuple currently accepted.
    public var validatedTuples: Set<TransportAddress> { Set(tuples.keys) }

    // MARK: Inbound checks

    ///
    /// - Parameter mappedAddress: what XOR-MAPPED-ADDRESS reports (RFC 8489 §14.2), when the
    ///   tuple the agent keys on is not the peer's real address (an ICE-TCP connection's
    ///   synthetic tuple); by default the source itself.
    public mutating func handleBindingRequest(_ bytes: [UInt8], from source: TransportAddress,
                                              mappedAddress: TransportAddress? = nil, nowNanos: UInt64) -> Result {
        guard isActive else { return Result(response: nil, events: [], outcome: .ignored(.agentStopped)) }
        guard let message = try? STUNMessage(parsing: bytes) else {
            return Result(response: nil, events: [], outcome: .ignored(.malformed))
        }
        return handleBindingRequest(message, from: source, mappedAddress: mappedAddress, nowNanos: nowNanos)
    }

    /// For a message already parsed by the caller (it keeps its bytes for the integrity check).
    public mutating func handleBindingRequest(_ message: STUNMessage, from source: TransportAddress,
                                              mappedAddress: TransportAddress? = nil, nowNanos: UInt64) -> Result {
        guard isActive else { return Result(response: nil, events: [], outcome: .ignored(.agentStopped)) }
        if clockStartNanos == nil { clockStartNanos = nowNanos }

        var contexts = [BindingRequestCheck.Context(local: localCredentials, remoteUfrag: remoteUfrag)]
        if let previousContext { contexts.append(previousContext) }

        switch BindingRequestCheck.evaluate(message, contexts: contexts) {
        case .ignore(let reason):
            return Result(response: nil, events: [], outcome: .ignored(reason))
        case .reject(let code, let unknownTypes, let signingKey):
            let response = BindingResponse.error(to: message, code: code, unknownTypes: unknownTypes,
                                                 signingKey: signingKey, software: configuration.software)
            return Result(response: response, events: [], outcome: .rejected(code))
        case .accept(let check):
            // RFC 8445 §7.3.1.1 would have a controlled agent that receives ICE-CONTROLLED compare
            // tie-breakers and possibly answer 487. A lite agent cannot become controlling, and a
            // 487 only stalls a confused peer, so it always answers (INTEROP-NOTES §2).
            if check.contextIndex == 0, previousContext != nil {
                completeRestart()
            }
            let events = recordAuthenticatedCheck(from: source, check: check, nowNanos: nowNanos)
            let response = BindingResponse.success(to: message, from: mappedAddress ?? source,
                                                   localPassword: contexts[check.contextIndex].local.key,
                                                   software: configuration.software)
            return Result(response: response, events: events, outcome: .accepted)
        }
    }

    private mutating func recordAuthenticatedCheck(from source: TransportAddress, check: BindingRequestCheck.Authenticated,
                                                   nowNanos: UInt64) -> [Event] {
        var events: [Event] = []
        lastAuthenticatedNanos = nowNanos
        state = .connected

        if var record = tuples[source] {
            record.lastCheckNanos = nowNanos
            if check.useCandidate { record.nominatedPriority = check.priority }
            tuples[source] = record
        } else {
            evictIfFull()
            tuples[source] = TupleRecord(lastCheckNanos: nowNanos,
                                         nominatedPriority: check.useCandidate ? check.priority : nil)
            events.append(.tupleValidated(source))
        }

        let choice = chooseSelection(nowNanos: nowNanos, fallback: source)
        if choice != selectedTuple {
            selectedTuple = choice
            events.append(.selectedTupleChanged(choice))
        }
        return events
    }

    /// Highest-priority nominated tuple that is still being checked; otherwise keep the current
    /// selection; otherwise (first check) the tuple that just authenticated.
    private func chooseSelection(nowNanos: UInt64, fallback: TransportAddress) -> TransportAddress {
        var best: (tuple: TransportAddress, priority: UInt32)?
        for (tuple, record) in tuples {
            guard let priority = record.nominatedPriority,
                  nowNanos <= record.lastCheckNanos &+ configuration.nominationStaleAfterNanos else { continue }
            if let current = best {
                // On equal priority the current selection stays; otherwise the first one seen.
                if priority > current.priority || (priority == current.priority && tuple == selectedTuple) {
                    best = (tuple, priority)
                }
            } else {
                best = (tuple, priority)
            }
        }
        return best?.tuple ?? selectedTuple ?? fallback
    }

    private mutating func evictIfFull() {
        guard tuples.count >= configuration.maxValidatedTuples else { return }
        let victim = tuples.filter { $0.key != selectedTuple }.min { $0.value.lastCheckNanos < $1.value.lastCheckNanos }
        if let victim { tuples[victim.key] = nil }
    }

    // MARK: Consent and time

    private var isActive: Bool { state == .new || state == .connected }

    /// When `tick` must next be called; nil when stopped or before the clock started.
    public var nextDeadlineNanos: UInt64? {
        guard isActive, let reference = lastAuthenticatedNanos ?? clockStartNanos else { return nil }
        return reference &+ configuration.consentTimeoutNanos
    }

    /// Counts as an authenticated check for liveness. Checks handled by `handleBindingRequest`
    /// already do this; use it only for another authenticated proof that the peer is alive.
    public mutating func refreshConsent(nowNanos: UInt64) {
        guard isActive else { return }
        if clockStartNanos == nil { clockStartNanos = nowNanos }
        lastAuthenticatedNanos = max(lastAuthenticatedNanos ?? 0, nowNanos)
    }

    public mutating func tick(nowNanos: UInt64) -> Action {
        guard isActive else { return .none }
        if clockStartNanos == nil { clockStartNanos = nowNanos }
        if let deadline = nextDeadlineNanos, nowNanos >= deadline {
            state = .expired
            return .expired
        }
        return .none
    }

    /// RFC 7675 §5.2: revoke consent — stop answering checks (e.g. on WHIP DELETE).
    public mutating func close() {
        state = .closed
    }

    // MARK: ICE restart (RFC 8445 §9)

    /// Switches to new local credentials (and the peer's new ones). Checks with the old
    /// credentials are still answered until the first check with the new ones arrives, so media
    /// keeps flowing on the old path meanwhile; then the old credentials are dropped and earlier
    /// nominations forgotten (the current selection stays until a new nomination).
    public mutating func restart(local: ICECredentials, remoteUfrag: String?, remotePassword: String?) {
        guard isActive else { return }
        if local.ufrag != localCredentials.ufrag {
            previousContext = BindingRequestCheck.Context(local: localCredentials, remoteUfrag: self.remoteUfrag)
        }
        localCredentials = local
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
    }

    /// True between `restart` and the first check that uses the new credentials.
    public var isRestarting: Bool { previousContext != nil }

    /// The ufrag still answered while restarting (the one before `restart`).
    public var previousUfrag: String? { previousContext?.local.ufrag }

    private mutating func completeRestart() {
        previousContext = nil
        // Nominations belonged to the old ICE session; tuples stay validated (they authenticated).
        for tuple in tuples.keys { tuples[tuple]?.nominatedPriority = nil }
    }
}
