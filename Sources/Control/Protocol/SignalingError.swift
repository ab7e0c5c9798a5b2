import MediaAPI

/// Every error code of docs/signaling.md (*Errors*), and whether it closes the socket.
public enum SignalingErrorCode: String, Sendable, Codable, CaseIterable {
    case badJSON = "bad_json"
    case badMessage = "bad_message"
    case messageTooLarge = "message_too_large"
    case rateLimited = "rate_limited"
    case unsupportedProtocol = "unsupported_protocol"
    case notJoined = "not_joined"
    case unauthorized
    case forbidden
    case roomFull = "room_full"
    case tooManyRooms = "too_many_rooms"
    case roomLocked = "room_locked"
    case roomEnded = "room_ended"
    case notFound = "not_found"
    case alreadyPublished = "already_published"
    /// No healthy media node can take the participant (a deployment with every node down).
    case mediaUnavailable = "media_unavailable"
    case badSDP = "bad_sdp"
    case noCommonCodec = "no_common_codec"
    /// The participant holds as many media sessions as a media node allows one identity.
    case tooManySessions = "too_many_sessions"
    case `internal`

    /// The WebSocket close code that follows the error frame, or nil when the socket stays open.
    /// 4400–4499 mirror the HTTP statuses (RFC 6455 §7.4.2 leaves 4000–4999 to applications).
    public var closeCode: UInt16? {
        switch self {
        case .unsupportedProtocol: 4400
        case .unauthorized: 4401
        case .roomFull, .tooManyRooms, .roomLocked: 4403
        case .roomEnded: 4410
        case .mediaUnavailable: 4503
        default: nil
        }
    }
}

/// WebSocket close codes the server uses besides those of `SignalingErrorCode.closeCode`.
public enum SignalingCloseCode {
    /// `leave`, `removed`, `room.ended`: a deliberate end (RFC 6455 §7.4.1).
    public static let normal: UInt16 = 1000
    /// Too many `rate_limited` errors (RFC 6455 §7.4.1, policy violation).
    public static let policyViolation: UInt16 = 1008
    /// The participant resumed on a newer connection; this one is obsolete.
    public static let replaced: UInt16 = 4409
}

/// An error frame to send: a code and words a developer can act on.
public struct SignalingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: SignalingErrorCode
    public var message: String

    public init(_ code: SignalingErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Media node failures in the protocol's words; all media errors map here, in one place.
    init(_ error: MediaError) {
        switch error {
        case .malformedOffer, .unacceptableOffer: self.init(.badSDP, error.description)
        case .noCommonCodec: self.init(.noCommonCodec, error.description)
        case .notFound: self.init(.notFound, error.description)
        case .tooManySessions: self.init(.tooManySessions, error.description)
        case .capacity, .internalFailure: self.init(.internal, "media node: \(error.description)")
        // Control always restarts with If-Match "*"; a node that refuses it is a bug here.
        case .preconditionRequired, .preconditionFailed: self.init(.internal, "media node: \(error.description)")
        }
    }
}
