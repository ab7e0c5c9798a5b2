/// One side's ICE username fragment and password (RFC 8445 §5.3; SDP a=ice-ufrag / a=ice-pwd).
public struct ICECredentials: Hashable, Sendable {
    public let ufrag: String
    public let password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Letters and digits only: a subset of ice-char (RFC 8839 §5.4) that every stack accepts
    /// and that needs no escaping anywhere (INTEROP-NOTES §1).
    static let alphabet: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// 8-character ufrag (~47 bits, RFC 8445 §5.3 asks ≥ 24) and 24-character password (~142 bits,
    /// ≥ 128 asked), from the system's cryptographic generator.
    public static func random() -> ICECredentials {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> ICECredentials {
        func string(_ count: Int) -> String {
            String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
        }
        return ICECredentials(ufrag: string(8), password: string(24))
    }

    /// RFC 8445 §7.2.2: a check sent to the peer is named "peerUfrag:ourUfrag".
    public func checkUsername(toRemoteUfrag remoteUfrag: String) -> String {
        "\(remoteUfrag):\(ufrag)"
    }

    /// The password as the short-term credential key (RFC 8489 §9.1.1).
    var key: [UInt8] { Array(password.utf8) }
}

/// A check's USERNAME split at the first colon (RFC 8445 §7.2.2): the recipient's ufrag, then the
/// sender's. A ufrag never contains a colon (ice-char excludes it).
public struct ICEUsername: Hashable, Sendable {
    /// The ufrag of the agent that receives the check: the server routes on this.
    public let recipientUfrag: String
    /// The ufrag of the agent that sent the check.
    public let senderUfrag: String

    public init?(_ username: String) {
        guard let colon = username.firstIndex(of: ":"), colon != username.startIndex else { return nil }
        recipientUfrag = String(username[..<colon])
        senderUfrag = String(username[username.index(after: colon)...])
    }
}
