/// Why a token was not accepted at all (HTTP 401).
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case unknownKey(String)
    case expired

    public var description: String {
        switch self {
        case .missing: "no bearer token was given"
        case .malformed: "the token is not a well-formed JWT"
        case .badSignature: "the token's signature does not verify"
        case .unknownKey(let key): "the token was signed with an unknown API key '\(key)'"
        case .expired: "the token has expired"
        }
    }
}

/// Why a valid token may not do what was asked (HTTP 403).
public enum AccessError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongRoom(tokenRoom: String, requested: String)
    case missingGrant(String)

    public var description: String {
        switch self {
        case .wrongRoom(let tokenRoom, let requested):
            "the token is for room '\(tokenRoom)', not '\(requested)'"
        case .missingGrant(let grant):
            "the token does not grant '\(grant)'"
        }
    }
}

/// A key pair that cannot be used.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case secretTooShort(minimumBytes: Int)
    case emptyKey

    public var description: String {
        switch self {
        case .secretTooShort(let minimum): "the API secret must be at least \(minimum) bytes long"
        case .emptyKey: "the API key must not be empty"
        }
    }
}
