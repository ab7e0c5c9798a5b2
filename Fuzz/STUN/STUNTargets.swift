import FuzzSupport

/// `stun`: a datagram through the demux's quick checks and the full parser. What parses must
/// serialize to a message that parses to the same fields, and the quick check must agree.
public let stunTargets = [FuzzTarget("stun", fuzzSTUN)]

private let integrityKey = Array("fuzz-ice-password-0123".utf8)

private func fuzzSTUN(_ data: UnsafeRawBufferPointer) {
    let looksLikeSTUN = STUNMessage.looksLikeSTUN(data)
    let quickUsername = STUNMessage.bindingRequestUsername(in: data)
    guard let message = try? STUNMessage(parsing: data) else { return }
    require(looksLikeSTUN, "a message that parses failed looksLikeSTUN")
    if quickUsername != nil { require(message.isBindingRequest, "bindingRequestUsername of a non-request") }

    _ = message.effectiveAttributes
    _ = (message.username, message.software, message.priority, message.iceControlling, message.iceControlled)
    _ = (message.xorMappedAddress, message.mappedAddress, message.errorCode, message.unknownComprehensionRequiredTypes)
    _ = message.validateFingerprint()
    _ = message.validateMessageIntegrity(key: integrityKey)

    let bytes = message.serialized()
    guard let again = try? STUNMessage(parsing: bytes) else {
        fatalError("serialized message does not parse: \(bytes)")
    }
    require(again == message, "serialize → parse changed the message")

    // A message we sign must verify with the same key, and its fingerprint must check.
    let signed = message.serialized(messageIntegrityKey: integrityKey, fingerprint: true)
    guard let signedAgain = try? STUNMessage(parsing: signed) else { fatalError("signed message does not parse") }
    require(signedAgain.validateMessageIntegrity(key: integrityKey), "our MESSAGE-INTEGRITY does not verify")
    require(signedAgain.validateFingerprint(), "our FINGERPRINT does not verify")
}
