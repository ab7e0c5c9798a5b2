import STUN

extension ICEControllingAgent {
    /// Handles any STUN datagram from the peer: responses to our checks, and checks from a
    /// full-ICE peer (answered in `outgoing`, outcome in `requestOutcome`).
    public mutating func handle(_ bytes: [UInt8], from source: TransportAddress, nowNanos: UInt64) -> Output {
        guard isActive, let message = try? STUNMessage(parsing: bytes) else { return Output() }
        return handle(message, from: source, nowNanos: nowNanos)
    }

    /// For a message already parsed by the caller.
    public mutating func handle(_ message: STUNMessage, from source: TransportAddress, nowNanos: UInt64) -> Output {
        var output = Output()
        guard isActive else { return output }
        switch message.messageClass {
        case .request:
            answerRequest(message, from: source, nowNanos: nowNanos, into: &output)
        case .successResponse, .errorResponse:
            handleResponse(message, from: source, nowNanos: nowNanos, into: &output)
        case .indication:
            break  // Binding indications are keepalives (RFC 8445 §11); nothing to do.
        }
        return output
    }

    // MARK: Responses to our checks (RFC 8445 §7.2.5)

    private mutating func handleResponse(_ message: STUNMessage, from source: TransportAddress, nowNanos: UInt64,
                                         into output: inout Output) {
        guard message.method == .binding else { return }
        if message.hasFingerprint, !message.validateFingerprint() { return }
        // RFC 8489 §9.1.4: a response must be signed with the peer's password (the key of the
        // request); an error response may be unsigned, but if signed it must verify.
        let key = Array(remotePassword.utf8)
        if message.messageClass == .successResponse || message.hasMessageIntegrity {
            guard message.validateMessageIntegrity(key: key) else { return }
        }

        guard let index = pending.firstIndex(where: { $0.transaction.id == message.transactionID }) else {
            // A late answer to a superseded consent check still proves consent.
            if message.messageClass == .successResponse, recentConsentIDs.contains(message.transactionID),
               case .connected(let remote) = state, source == remote {
                lastConsentNanos = max(lastConsentNanos, nowNanos)
            }
            return
        }
        let request = pending[index]

        // RFC 8445 §7.2.5.2.1: a response from another address than the request went to fails the check.
        guard source == request.destination else {
            pending.remove(at: index)
            markFailed(request.purpose)
            afterPairChange(nowNanos: nowNanos, into: &output)
            return
        }
        pending.remove(at: index)

        if message.messageClass == .errorResponse {
            // 487 would ask us to become controlled, which this agent never does; any error
            // fails the pair (RFC 8445 §7.2.5.2.4 for unrecoverable errors).
            markFailed(request.purpose)
            afterPairChange(nowNanos: nowNanos, into: &output)
            return
        }

        switch request.purpose {
        case .check(let pair):
            pairs[pair].state = .succeeded
            if firstSuccessNanos == nil { firstSuccessNanos = nowNanos }
            nominateIfReady(nowNanos: nowNanos, into: &output)
        case .nomination(let pair):
            pairs[pair].state = .succeeded
            let remote = pairs[pair].remote
            state = .connected(remote)
            // Checking is over: drop other checks (RFC 8445 §8.1.2 stops them once nominated).
            pending.removeAll { $0.purpose != .consent }
            triggeredQueue = []
            lastConsentNanos = nowNanos
            nextConsentNanos = nowNanos &+ jitteredConsentInterval()
            output.events.append(.connected(remote))
        case .consent:
            lastConsentNanos = max(lastConsentNanos, nowNanos)
        }
    }

    private mutating func markFailed(_ purpose: Purpose) {
        switch purpose {
        case .check(let pair), .nomination(let pair):
            pairs[pair].state = .failed
        case .consent:
            break
        }
    }

    private mutating func afterPairChange(nowNanos: UInt64, into output: inout Output) {
        guard state == .checking else { return }
        nominateIfReady(nowNanos: nowNanos, into: &output)
        failIfNothingLeft(into: &output)
    }

    // MARK: Checks from a full-ICE peer (RFC 8445 §7.3)

    private mutating func answerRequest(_ message: STUNMessage, from source: TransportAddress, nowNanos: UInt64,
                                        into output: inout Output) {
        let context = BindingRequestCheck.Context(local: localCredentials, remoteUfrag: remoteUfrag)
        switch BindingRequestCheck.evaluate(message, contexts: [context]) {
        case .ignore(let reason):
            output.requestOutcome = .ignored(reason)
        case .reject(let code, let unknownTypes, let signingKey):
            output.outgoing.append(Outgoing(
                bytes: BindingResponse.error(to: message, code: code, unknownTypes: unknownTypes,
                                             signingKey: signingKey, software: configuration.software),
                to: source))
            output.requestOutcome = .rejected(code)
        case .accept(let check):
            if check.remoteControllingTieBreaker != nil {
                // RFC 8445 §7.3.1.1: both sides claim control. This agent keeps the role.
                output.outgoing.append(Outgoing(
                    bytes: BindingResponse.error(to: message, code: .roleConflict, unknownTypes: [],
                                                 signingKey: localCredentials.key, software: configuration.software),
                    to: source))
                output.requestOutcome = .rejected(.roleConflict)
                return
            }
            output.outgoing.append(Outgoing(
                bytes: BindingResponse.success(to: message, from: source, localPassword: localCredentials.key,
                                               software: configuration.software),
                to: source))
            output.requestOutcome = .accepted
            triggerCheck(toward: source)
        }
    }

    /// RFC 8445 §7.3.1.4: a check from the peer makes us check that path soon; an unknown
    /// source is a peer-reflexive candidate (§7.3.1.3), tried last in our order.
    private mutating func triggerCheck(toward source: TransportAddress) {
        guard state == .checking || state == .new else { return }
        if let index = pairs.firstIndex(where: { $0.remote == source }) {
            guard pairs[index].state == .waiting || pairs[index].state == .failed else { return }
            pairs[index].state = .waiting
            triggeredQueue.append(index)
        } else {
            pairs.append(CandidatePair(remote: source, state: .waiting))
            triggeredQueue.append(pairs.count - 1)
        }
    }
}
