import Crypto
import Foundation

/// Short-lived TURN credentials in the TURN REST scheme (draft-uberti-behave-turn-rest-00 §2.2,
/// coturn's `use-auth-secret`): the username is `expiry:user` with `expiry` in Unix seconds, the
/// password is `base64(HMAC-SHA1(secret, username))`. The TURN server checks the HMAC with the
/// same shared secret and refuses the username once `expiry` has passed. Minted with no I/O, like
/// access tokens, by signaling (`joined`) and by the media node's WHIP/WHEP answers.
public struct TURNCredentials: Sendable {
    public var urls: [String]
    public var secret: String
    public var lifetimeSeconds: Int64

    public struct Login: Sendable, Equatable {
        public var username: String
        public var password: String
    }

    public init(urls: [String], secret: String, lifetimeSeconds: Int64 = 24 * 3600) {
        self.urls = urls
        self.secret = secret
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// The login for `user` (a participant or token identity), valid `lifetimeSeconds` from now.
    public func login(for user: String, nowUnixSeconds: Int64) -> Login {
        let username = "\(nowUnixSeconds + lifetimeSeconds):\(user)"
        return Login(username: username, password: Self.credential(secret: secret, username: username))
    }

    public static func credential(secret: String, username: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }
}
