import STUN

/// Why an agent dropped a datagram without answering it.
public enum ICEIgnoreReason: Hashable, Sendable {
    /// Not a parseable STUN message.
    case malformed
    /// STUN, but not something this agent acts on (e.g. an indication, another method, a response
    /// matching no outstanding request).
    case unexpectedMessage
    /// FINGERPRINT present but wrong: RFC 8489 §7.3 treats the datagram as not STUN.
    case badFingerprint
    /// A response that failed MESSAGE-INTEGRITY or came from the wrong address.
    case unauthenticatedResponse
    /// The agent has expired, failed or was closed (RFC 7675 §5.2: stop answering).
    case agentStopped
}

/// What became of an inbound Binding request.
public enum ICECheckOutcome: Hashable, Sendable {
    /// Authenticated and answered with a success response.
    case accepted
    /// Answered with an error response carrying this code.
    case rejected(STUNErrorCode)
    /// Dropped without an answer.
    case ignored(ICEIgnoreReason)
}

/// The server side of a connectivity check (RFC 8445 §7.3, RFC 8489 §9.1.3), shared by the lite
/// agent and the controlling agent (which answers a full-ICE peer's checks).
enum BindingRequestCheck {
    /// A credential set the agent answers to: its local credentials and, when known, the peer's ufrag.
    struct Context {
        var local: ICECredentials
        var remoteUfrag: String?
    }

    struct Authenticated {
        var contextIndex: Int
        var priority: UInt32
        var useCandidate: Bool
        var remoteControllingTieBreaker: UInt64?
        var remoteControlledTieBreaker: UInt64?
    }

    enum Verdict {
        case ignore(ICEIgnoreReason)
        /// Answer with an error; sign it when the request authenticated (RFC 8489 §9.1.3).
        case reject(STUNErrorCode, unknownTypes: [STUNAttributeType], signingKey: [UInt8]?)
        case accept(Authenticated)
    }

    static func evaluate(_ message: STUNMessage, contexts: [Context]) -> Verdict {
        guard message.isBindingRequest else { return .ignore(.unexpectedMessage) }
        // RFC 8489 §7.3 / RFC 8445 §7.3: a wrong FINGERPRINT means this is not a STUN check.
        // A missing one is tolerated: MESSAGE-INTEGRITY below is what authenticates.
        if message.hasFingerprint, !message.validateFingerprint() { return .ignore(.badFingerprint) }

        // RFC 8489 §9.1.3: without both USERNAME and MESSAGE-INTEGRITY → 400.
        guard let username = message.username, message.hasMessageIntegrity else {
            return .reject(.badRequest, unknownTypes: [], signingKey: nil)
        }
        // Unknown username → 401; wrong HMAC → 401. Neither response can be signed.
        guard let parts = ICEUsername(username) else {
            return .reject(.unauthenticated, unknownTypes: [], signingKey: nil)
        }
        var matched: (index: Int, key: [UInt8])?
        for (index, context) in contexts.enumerated() where parts.recipientUfrag == context.local.ufrag {
            if let remote = context.remoteUfrag, parts.senderUfrag != remote { continue }
            let key = context.local.key
            if message.validateMessageIntegrity(key: key) {
                matched = (index, key)
                break
            }
        }
        guard let matched else { return .reject(.unauthenticated, unknownTypes: [], signingKey: nil) }

        // RFC 8489 §6.3.1.1: after authentication, unknown comprehension-required attributes → 420.
        let unknown = message.unknownComprehensionRequiredTypes
        if !unknown.isEmpty { return .reject(.unknownAttribute, unknownTypes: unknown, signingKey: matched.key) }
        // RFC 8445 §7.1.1: every check carries PRIORITY (mediasoup also 400s without it).
        guard let priority = message.priority else {
            return .reject(.badRequest, unknownTypes: [], signingKey: matched.key)
        }
        return .accept(Authenticated(contextIndex: matched.index, priority: priority,
                                     useCandidate: message.hasUseCandidate,
                                     remoteControllingTieBreaker: message.iceControlling,
                                     remoteControlledTieBreaker: message.iceControlled))
    }
}

/// Responses to Binding requests (RFC 8445 §7.3.1, INTEROP-NOTES §2).
enum BindingResponse {
    /// Success: same transaction ID, XOR-MAPPED-ADDRESS = where the request came from,
    /// MESSAGE-INTEGRITY with the responder's own password, FINGERPRINT last.
    static func success(to request: STUNMessage, from source: TransportAddress, localPassword key: [UInt8],
                        software: String?) -> [UInt8] {
        var attributes: [STUNAttribute] = [.xorMappedAddress(source)]
        if let software { attributes.append(.software(software)) }
        return STUNMessage(method: .binding, messageClass: .successResponse, transactionID: request.transactionID,
                           attributes: attributes)
            .serialized(messageIntegrityKey: key, fingerprint: true)
    }

    static func error(to request: STUNMessage, code: STUNErrorCode, unknownTypes: [STUNAttributeType],
                      signingKey: [UInt8]?, software: String?) -> [UInt8] {
        var attributes: [STUNAttribute] = [.errorCode(code)]
        if !unknownTypes.isEmpty { attributes.append(.unknownAttributes(unknownTypes)) }
        if let software { attributes.append(.software(software)) }
        return STUNMessage(method: .binding, messageClass: .errorResponse, transactionID: request.transactionID,
                           attributes: attributes)
            .serialized(messageIntegrityKey: signingKey, fingerprint: true)
    }
}
