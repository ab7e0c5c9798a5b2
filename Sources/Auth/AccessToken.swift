import Foundation
import JWTKit

/// What a participant may do in a room. Carried in the token, checked by every node with no I/O.
public struct Grants: Codable, Sendable, Equatable {
    public var publish: Bool
    public var subscribe: Bool
    public var admin: Bool

    public init(publish: Bool = false, subscribe: Bool = false, admin: Bool = false) {
        self.publish = publish
        self.subscribe = subscribe
        self.admin = admin
    }

    public enum Kind: String, Sendable {
        case publish, subscribe, admin
    }

    public func allows(_ kind: Kind) -> Bool {
        switch kind {
        case .publish: publish
        case .subscribe: subscribe
        case .admin: admin
        }
    }
}

/// The claims of a Cascade access token (a JWT signed with HS256 by the key service).
///
/// `iss` names the API key that signed it (also the JWT `kid`), `sub` the participant's identity.
public struct AccessToken: JWTPayload, Sendable, Equatable {
    public var issuer: IssuerClaim
    public var subject: SubjectClaim
    public var expiration: ExpirationClaim
    public var notBefore: NotBeforeClaim?
    public var room: String
    public var grants: Grants
    public var name: String?

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case expiration = "exp"
        case notBefore = "nbf"
        case room
        case grants
        case name
    }

    public init(apiKey: String, identity: String, room: String, grants: Grants, expiresAt: Date, name: String? = nil) {
        self.issuer = IssuerClaim(value: apiKey)
        self.subject = SubjectClaim(value: identity)
        self.expiration = ExpirationClaim(value: expiresAt)
        self.notBefore = nil
        self.room = room
        self.grants = grants
        self.name = name
    }

    public var identity: String { subject.value }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
        try notBefore?.verifyNotBefore()
    }

    /// Checks that this token may act on `room` with `grant`.
    public func authorize(room: String, grant: Grants.Kind) throws(AccessError) {
        guard self.room == room else { throw .wrongRoom(tokenRoom: self.room, requested: room) }
        guard grants.allows(grant) else { throw .missingGrant(grant.rawValue) }
    }
}

extension AccessToken {
    /// The room claim of a service token: every room.
    public static let anyRoom = "*"

    /// A token for another Cascade process (a control node calling a media node's API): every
    /// room, with the admin grant.
    public static func service(apiKey: String, identity: String, expiresAt: Date) -> AccessToken {
        AccessToken(apiKey: apiKey, identity: identity, room: anyRoom,
                    grants: Grants(publish: true, subscribe: true, admin: true), expiresAt: expiresAt)
    }

    /// Checks that this is a service token.
    public func authorizeService() throws(AccessError) {
        guard room == Self.anyRoom else { throw .wrongRoom(tokenRoom: room, requested: Self.anyRoom) }
        guard grants.admin else { throw .missingGrant(Grants.Kind.admin.rawValue) }
    }
}
