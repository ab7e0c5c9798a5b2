import MediaAPI
import Auth
import Foundation
import HTTPGuard
import Hummingbird

/// Every error the HTTP interface returns: a status and a JSON body `{"error": code, "reason": text}`.
///
/// All mapping from domain errors to status codes happens here, in one place.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let reason: String
    public var extraHeaders: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": code, "reason": reason], options: [.sortedKeys])
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    public init(_ error: TokenError) {
        self.init(.unauthorized, code: "unauthorized", reason: error.description)
        extraHeaders[.wwwAuthenticate] = "Bearer"
    }

    public init(_ error: AccessError) {
        self.init(.forbidden, code: "forbidden", reason: error.description)
    }

    /// A body that was too long (413) or too slow (408, and the connection is closed: the rest
    /// of a trickled body is not worth reading).
    public init(_ error: RequestBodyError, what: String) {
        switch error {
        case .tooLarge(let limit):
            self.init(.contentTooLarge, code: "too_large", reason: "a \(what) is at most \(limit) bytes")
        case .timedOut(let seconds):
            self.init(.requestTimeout, code: "body_timeout", reason: "the \(what) did not arrive within \(seconds) s")
            extraHeaders[.connection] = "close"
        }
    }

    public init(_ error: MediaError) {
        switch error {
        case .malformedOffer: self.init(.badRequest, code: "malformed_sdp", reason: error.description)
        case .unacceptableOffer: self.init(.unprocessableContent, code: "unacceptable_sdp", reason: error.description)
        // WHEP/WHIP: 406 Not Acceptable when no codec is common to the offer and the server.
        case .noCommonCodec: self.init(.notAcceptable, code: "no_common_codec", reason: error.description)
        case .notFound: self.init(.notFound, code: "not_found", reason: error.description)
        // RFC 9110 §10.2.3: when to try again. A full node may have room when calls end; a
        // caller at its limit when its unconnected sessions time out (10 s).
        case .capacity:
            self.init(.serviceUnavailable, code: "over_capacity", reason: error.description)
            extraHeaders[.retryAfter] = "30"
        case .tooManySessions:
            self.init(.tooManyRequests, code: "too_many_sessions", reason: error.description)
            extraHeaders[.retryAfter] = "10"
        // RFC 9725 §4.4: a PATCH without If-Match, or naming another version of the session.
        case .preconditionRequired: self.init(.preconditionRequired, code: "precondition_required", reason: error.description)
        case .preconditionFailed: self.init(.preconditionFailed, code: "precondition_failed", reason: error.description)
        case .internalFailure: self.init(.internalServerError, code: "internal", reason: error.description)
        }
    }
}
