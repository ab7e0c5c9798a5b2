import STUN

/// What the receive path needs before an agent exists for a datagram: which agent it is for.
public enum ICERouting {
    /// The recipient ufrag (the part before the colon of USERNAME, RFC 8445 §7.2.2) of a Binding
    /// request, without full parsing. The server looks up the agent by this and lets the agent
    /// authenticate the request; the result is unauthenticated.
    public static func recipientUfrag(ofBindingRequest buffer: UnsafeRawBufferPointer) -> String? {
        guard let username = STUNMessage.bindingRequestUsername(in: buffer),
              let parsed = ICEUsername(username) else { return nil }
        return parsed.recipientUfrag
    }

    public static func recipientUfrag(ofBindingRequest bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { recipientUfrag(ofBindingRequest: $0) }
    }
}
