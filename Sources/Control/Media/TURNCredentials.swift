import Crypto
import Foundation

/// Short-lived TURN credentials in the TURN REST scheme (draft-uberti-behave-turn-rest-00 §2.2,
/// coturn's `use-auth-secret`): the username is `expiry:participantId` with `expiry` in Unix
/// seconds, the password is `base64(HMAC-SHA1(secret, username))`. The TURN server checks the
/// HMAC with the same shared secret and refuses the username once `expiry` has passed.
public struct TURNCredentials: Sendable {
    public var urls: [String]
    public var secret: String
    public var lifetimeSeconds: Int64

    public init(urls: [String], secret: String, lifetimeSeconds: Int64 = 24 * 3600) {
        self.urls = urls
        self.secret = secret
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// The `iceServers` for one participant: one entry with every TURN URL, or none when no
    /// TURN server is configured.
    public func iceServers(participantID: String, nowUnixSeconds: Int64) -> [ICEServer] {
        guard !urls.isEmpty, !secret.isEmpty else { return [] }
        let username = "\(nowUnixSeconds + lifetimeSeconds):\(participantID)"
        return [ICEServer(urls: urls, username: username, credential: Self.credential(secret: secret, username: username))]
    }

    public static func credential(secret: String, username: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }
}
