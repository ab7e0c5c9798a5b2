/// A STUN message (RFC 8489 §5–6): header fields plus attributes in wire order.
///
/// Parsing keeps the original bytes so MESSAGE-INTEGRITY and FINGERPRINT can be verified over
/// exactly what arrived (RFC 8489 §14.5, §14.7); changing any field forgets them.
public struct STUNMessage: Sendable {
    public var method: STUNMethod { didSet { parsed = nil } }
    public var messageClass: STUNMessageClass { didSet { parsed = nil } }
    public var transactionID: STUNTransactionID { didSet { parsed = nil } }
    public var attributes: [STUNAttribute] { didSet { parsed = nil } }

    /// Where the message came from, when it was parsed and not modified since.
    struct ParsedBytes: Sendable {
        /// Exactly the 20-byte header plus the declared attribute length.
        var bytes: [UInt8]
        /// Offset of the first MESSAGE-INTEGRITY attribute header, if any.
        var messageIntegrityOffset: Int?
        /// Offset of the FINGERPRINT attribute header, when it is the last attribute.
        var fingerprintOffset: Int?
    }

    var parsed: ParsedBytes?

    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20

    public init(method: STUNMethod = .binding, messageClass: STUNMessageClass,
                transactionID: STUNTransactionID, attributes: [STUNAttribute] = []) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
        self.parsed = nil
    }

    /// The bytes this message was parsed from (trailing bytes beyond the declared length removed),
    /// or nil if it was built in code or modified after parsing.
    public var parsedBytes: [UInt8]? { parsed?.bytes }

    public var isBindingRequest: Bool { method == .binding && messageClass == .request }
}

extension STUNMessage: Equatable {
    /// Two messages are equal when their header fields and attributes are; where they came from
    /// (and their padding bytes) does not matter.
    public static func == (lhs: STUNMessage, rhs: STUNMessage) -> Bool {
        lhs.method == rhs.method && lhs.messageClass == rhs.messageClass
            && lhs.transactionID == rhs.transactionID && lhs.attributes == rhs.attributes
    }
}

// MARK: - Reading attributes

extension STUNMessage {
    /// The attributes a receiver may act on. RFC 8489 §14.5/§14.7: everything after
    /// MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and everything after
    /// FINGERPRINT, MUST be ignored — it is not covered by the integrity check.
    public var effectiveAttributes: [STUNAttribute] {
        var result: [STUNAttribute] = []
        result.reserveCapacity(attributes.count)
        forEachEffectiveAttribute { result.append($0); return true }
        return result
    }

    /// The first effective attribute of a type.
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        var found: STUNAttribute?
        forEachEffectiveAttribute { attribute in
            guard attribute.type == type else { return true }
            found = attribute
            return false
        }
        return found
    }

    /// Visits the effective attributes in order until `body` returns false.
    private func forEachEffectiveAttribute(_ body: (STUNAttribute) -> Bool) {
        var afterIntegrity = false
        for attribute in attributes {
            let type = attribute.type
            if afterIntegrity, type != .fingerprint, type != .messageIntegritySHA256 { continue }
            guard body(attribute) else { return }
            if type == .messageIntegrity { afterIntegrity = true }
            if type == .fingerprint { return }
        }
    }

    public var username: String? {
        if case .username(let value)? = attribute(.username) { return value }
        return nil
    }

    public var software: String? {
        if case .software(let value)? = attribute(.software) { return value }
        return nil
    }

    public var priority: UInt32? {
        if case .priority(let value)? = attribute(.priority) { return value }
        return nil
    }

    public var hasUseCandidate: Bool { attribute(.useCandidate) != nil }

    /// The ICE-CONTROLLING tie-breaker, if present.
    public var iceControlling: UInt64? {
        if case .iceControlling(let value)? = attribute(.iceControlling) { return value }
        return nil
    }

    /// The ICE-CONTROLLED tie-breaker, if present.
    public var iceControlled: UInt64? {
        if case .iceControlled(let value)? = attribute(.iceControlled) { return value }
        return nil
    }

    public var xorMappedAddress: TransportAddress? {
        if case .xorMappedAddress(let value)? = attribute(.xorMappedAddress) { return value }
        return nil
    }

    public var mappedAddress: TransportAddress? {
        if case .mappedAddress(let value)? = attribute(.mappedAddress) { return value }
        return nil
    }

    public var errorCode: STUNErrorCode? {
        if case .errorCode(let value)? = attribute(.errorCode) { return value }
        return nil
    }

    public var hasMessageIntegrity: Bool { attribute(.messageIntegrity) != nil }
    public var hasFingerprint: Bool { attribute(.fingerprint) != nil }

    /// RFC 8489 §6.3.1.1: comprehension-required attributes this module does not understand.
    /// A server answers a request carrying any with 420 and lists them in UNKNOWN-ATTRIBUTES.
    /// Comprehension-optional ones (≥ 0x8000, e.g. Chrome's 0xC057) are never listed.
    public var unknownComprehensionRequiredTypes: [STUNAttributeType] {
        effectiveAttributes.compactMap { attribute in
            if case .unknown(let type, _) = attribute, !type.isComprehensionOptional { return type }
            return nil
        }
    }
}
