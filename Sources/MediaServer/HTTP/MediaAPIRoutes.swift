import Auth
import Foundation
import HTTPGuard
import Hummingbird
import MediaAPI

/// The media API over HTTP (`/v1/media/…`), for a control process that runs apart from its media
/// nodes. Same operations as `MediaAPI`, JSON bodies, service tokens only
/// (`AccessToken.service`). `HTTPMediaAPI` is the client side.
struct MediaAPIRoutes: Sendable {
    let api: any MediaAPI
    let keys: KeyService
    let limits: HTTPLimits

    func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        let group = router.group("/v1/media/rooms/:room")
        group.post("publications") { request, context in
            let room = try await authorize(request, context)
            let body = try await decode(PublishRequest.self, request)
            guard body.room == room else { throw APIError(.badRequest, code: "bad_request", reason: "room mismatch") }
            return try await call { () async throws(MediaError) in try await api.publish(body) }
        }
        group.delete("publications/:resource") { request, context in
            let room = try await authorize(request, context)
            let resource = try MediaHTTPRoutes.resource(context)
            return try await call { () async throws(MediaError) in
                try await api.unpublish(room: room, resourceID: resource)
                return Empty()
            }
        }
        group.get("publications") { request, context in
            let room = try await authorize(request, context)
            return try await call { () async throws(MediaError) in try await api.publications(room: room) }
        }
        group.post("subscriptions") { request, context in
            let room = try await authorize(request, context)
            let body = try await decode(SubscribeRequest.self, request)
            guard body.room == room else { throw APIError(.badRequest, code: "bad_request", reason: "room mismatch") }
            return try await call { () async throws(MediaError) in try await api.subscribe(body) }
        }
        group.delete("subscriptions/:session") { request, context in
            let room = try await authorize(request, context)
            let session = try context.parameters.require("session")
            return try await call { () async throws(MediaError) in
                try await api.unsubscribe(room: room, sessionID: session)
                return Empty()
            }
        }
        group.post("subscriptions/:session/paused") { request, context in
            let room = try await authorize(request, context)
            let session = try context.parameters.require("session")
            let body = try await decode(KindSwitch.self, request)
            return try await call { () async throws(MediaError) in
                try await api.setPaused(room: room, sessionID: session, kind: body.kind, paused: body.on)
                return Empty()
            }
        }
        group.post("publications/:resource/forwarding") { request, context in
            let room = try await authorize(request, context)
            let resource = try MediaHTTPRoutes.resource(context)
            let body = try await decode(KindSwitch.self, request)
            return try await call { () async throws(MediaError) in
                try await api.setForwarding(room: room, resourceID: resource, kind: body.kind, enabled: body.on)
                return Empty()
            }
        }
        group.get("audio-levels") { request, context in
            let room = try await authorize(request, context)
            return try await call { () async throws(MediaError) in try await api.audioLevels(room: room) }
        }
        group.post("sessions/:session/ice") { request, context in
            let room = try await authorize(request, context)
            let body = try await decode(ICEUpdateRequest.self, request)
            guard body.room == room, body.sessionID == (try context.parameters.require("session")) else {
                throw APIError(.badRequest, code: "bad_request", reason: "room or session mismatch")
            }
            return try await call { () async throws(MediaError) in try await api.updateICE(body) }
        }
        group.get("stats") { request, context in
            let room = try await authorize(request, context)
            return try await call { () async throws(MediaError) in try await api.sessionStats(room: room) }
        }
    }

    private func authorize(_ request: Request, _ context: some RequestContext) async throws -> String {
        let token = try await MediaHTTPRoutes.authenticate(request, keys: keys)
        do throws(AccessError) { try token.authorizeService() } catch { throw APIError(error) }
        return try MediaHTTPRoutes.room(context)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let body: ByteBuffer
        do throws(RequestBodyError) {
            body = try await request.collectBody(upTo: MediaHTTPRoutes.maxSDPBytes * 2, limits: limits)
        } catch {
            throw APIError(error, what: "\(T.self)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError(.badRequest, code: "bad_request", reason: "the body is not a valid \(T.self): \(error)")
        }
    }

    private func call<T: Encodable>(_ body: () async throws(MediaError) -> T) async throws -> Response {
        let value: T
        do throws(MediaError) { value = try await body() } catch { throw APIError(error) }
        return try MediaHTTPRoutes.json(value)
    }
}

private struct Empty: Codable {}
