import Crypto

extension STUNMessage {
    /// RFC 8489 §9.2.2 long-term credential key for MESSAGE-INTEGRITY:
    /// MD5(username ":" realm ":" password). The strings must already be OpaqueString-prepared
    /// (RFC 8265); this function does not apply SASLprep. ICE itself uses short-term
    /// credentials (key = password); this exists for TURN-style peers and RFC 5769 §2.4.
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        let input = Array("\(username):\(realm):\(password)".utf8)
        return Array(Insecure.MD5.hash(data: input))
    }
}
