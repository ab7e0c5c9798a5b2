import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The media API of a media node in another process, over its HTTP interface (`/v1/media/…`).
///
/// Authenticates with a service token from `token` (minted by the caller, who holds the API
/// secret), and maps the node's JSON errors back to `MediaError`, so callers cannot tell an
/// in-process node from a remote one.
public struct HTTPMediaAPI: MediaAPI {
    public let baseURL: String
    private let client: HTTPClient
    private let token: @Sendable () async throws -> String
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - baseURL: e.g. `http://10.0.0.5:8080`
    ///   - token: returns a current service token (`AccessToken.service`).
    public init(baseURL: String, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10),
                token: @escaping @Sendable () async throws -> String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.timeout = timeout
        self.token = token
    }

    public func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer {
        try await send(.POST, room: request.room, "publications", body: request)
    }

    public func unpublish(room: String, resourceID: ResourceID) async throws(MediaError) {
        let _: Empty = try await send(.DELETE, room: room, "publications/\(resourceID)")
    }

    public func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer {
        try await send(.POST, room: request.room, "subscriptions", body: request)
    }

    public func unsubscribe(room: String, sessionID: String) async throws(MediaError) {
        let _: Empty = try await send(.DELETE, room: room, "subscriptions/\(sessionID)")
    }

    public func publications(room: String) async throws(MediaError) -> [PublicationInfo] {
        try await send(.GET, room: room, "publications")
    }

    public func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError) {
        let _: Empty = try await send(.POST, room: room, "subscriptions/\(sessionID)/paused",
                                      body: KindSwitch(kind: kind, on: paused))
    }

    public func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError) {
        let _: Empty = try await send(.POST, room: room, "publications/\(resourceID)/forwarding",
                                      body: KindSwitch(kind: kind, on: enabled))
    }

    public func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport] {
        try await send(.GET, room: room, "audio-levels")
    }

    public func sessionStats(room: String) async throws(MediaError) -> [SessionStats] {
        try await send(.GET, room: room, "stats")
    }

    public func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer {
        try await send(.POST, room: request.room, "sessions/\(request.sessionID)/ice", body: request)
    }

    // MARK: - Transport

    private struct Empty: Codable {}
    private struct NoBody: Encodable {}

    private func send<Response: Decodable>(_ method: HTTPMethod, room: String, _ path: String) async throws(MediaError) -> Response {
        try await send(method, room: room, path, body: Optional<NoBody>.none)
    }

    private func send<Body: Encodable, Response: Decodable>(
        _ method: HTTPMethod, room: String, _ path: String, body: Body?
    ) async throws(MediaError) -> Response {
        let roomPath = room.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? room
        var request = HTTPClientRequest(url: "\(baseURL)/v1/media/rooms/\(roomPath)/\(path)")
        request.method = method
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            request.headers.add(name: "Authorization", value: "Bearer \(try await token())")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
            }
            response = try await client.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .internalFailure("media node \(baseURL) unreachable: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            throw Self.mediaError(status: response.status.code, body: bytes)
        }
        do {
            return try JSONDecoder().decode(Response.self, from: Data(buffer: bytes))
        } catch {
            throw .internalFailure("media node \(baseURL) answered \(path) with an unreadable body: \(error)")
        }
    }

    /// The inverse of the node's error mapping (MediaServer `APIError`).
    static func mediaError(status: UInt, body: ByteBuffer) -> MediaError {
        let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: body))
        let reason = decoded?.reason ?? "HTTP \(status)"
        switch (status, decoded?.error) {
        case (400, "malformed_sdp"): return .malformedOffer(reason)
        case (406, _): return .noCommonCodec(reason)
        case (422, _): return .unacceptableOffer(reason)
        case (404, _): return .notFound(reason)
        case (412, _): return .preconditionFailed(reason)
        case (428, _): return .preconditionRequired(reason)
        case (429, _): return .tooManySessions(reason)
        case (503, _): return .capacity(reason)
        default: return .internalFailure("media node answered \(status): \(reason)")
        }
    }
}
