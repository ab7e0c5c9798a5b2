import MediaAPI
import Auth
import Foundation
import HTTPTypes
import HTTPGuard
import Hummingbird

/// The media node's HTTP interface: WHIP (RFC 9725), WHEP, the publications list, metrics and the
/// try-it page. Each handler authenticates, validates, calls the `MediaAPI`, and maps errors
/// through `APIError`.
public struct MediaHTTPRoutes: Sendable {
    public let api: any MediaAPI
    /// The node whose sessions these routes create: it knows who owns each.
    let node: MediaNode
    public let keys: KeyService
    /// Development mode: `/v1/dev/token` mints tokens for the try-it page. Only on when
    /// `cascade serve` generated its own key pair.
    public let developmentTokens: Bool
    /// TURN servers offered in each answer (RFC 9725 §4.6 `Link: rel="ice-server"`), with
    /// credentials for the token's identity; nil without TURN.
    public let turn: TURNCredentials?
    /// How long a request body may take to arrive.
    let limits: HTTPLimits
    let assets = WebAssets()

    static let maxSDPBytes = 64 * 1024
    /// RFC 5789 §3.1; RFC 9725 §4.4: what PATCH takes.
    static let acceptPatch = HTTPField.Name("Accept-Patch")!
    /// RFC 8288 §3; RFC 9725 §4.6: the TURN and STUN servers a client may use.
    static let link = HTTPField.Name("Link")!

    public init(node: MediaNode, keys: KeyService, developmentTokens: Bool, turn: TURNCredentials? = nil,
                limits: HTTPLimits = HTTPLimits()) {
        self.api = node
        self.limits = limits
        self.node = node
        self.turn = turn
        self.keys = keys
        self.developmentTokens = developmentTokens
    }

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: CORSMiddleware(
            allowOrigin: .all,
            allowHeaders: [.authorization, .contentType, .ifMatch, .accept],
            allowMethods: [.get, .post, .patch, .delete, .options, .head],
            exposedHeaders: ["Location", "ETag", "Link", "Accept-Patch", "Accept-Post", "Retry-After"]))

        // WHIP (RFC 9725 §4.2): POST an offer, get 201 + answer + Location; DELETE the Location.
        router.post("/whip/:room") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .publish)
            let offer = try await Self.sdpBody(request, limits: limits)
            do throws(MediaError) {
                let answer = try await node.publish(PublishRequest(room: room, identity: token.identity, offerSDP: offer),
                                                    clientAddress: context.remoteAddress?.ipAddress)
                return created(answer, location: "/whip/\(room)/\(answer.sessionID)", identity: token.identity)
            } catch { throw APIError(error) }
        }
        router.delete("/whip/:room/:resource") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .publish)
            let resource = try Self.resource(context)
            try await authorizeOwner(token, room: room, session: resource.description)
            do throws(MediaError) { try await api.unpublish(room: room, resourceID: resource) } catch { throw APIError(error) }
            return Response(status: .ok)
        }
        // RFC 9725 §4.4: trickle (204; a lite server needs no candidates) or ICE restart (200).
        router.patch("/whip/:room/:resource") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .publish)
            let resource = try context.parameters.require("resource")
            try await authorizeOwner(token, room: room, session: resource)
            return try await patchICE(request, room: room, sessionID: resource)
        }

        // WHEP: POST an offer to a resource, get 201 + answer + Location of the playback session.
        router.post("/whep/:room/:resource") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .subscribe)
            let resource = try Self.resource(context)
            let offer = try await Self.sdpBody(request, limits: limits)
            do throws(MediaError) {
                let answer = try await node.subscribe(
                    SubscribeRequest(room: room, identity: token.identity, resourceID: resource, offerSDP: offer),
                    clientAddress: context.remoteAddress?.ipAddress)
                return created(answer, location: "/whep/\(room)/\(resource)/\(answer.sessionID)", identity: token.identity)
            } catch { throw APIError(error) }
        }
        router.delete("/whep/:room/:resource/:session") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .subscribe)
            let session = try context.parameters.require("session")
            try await authorizeOwner(token, room: room, session: session)
            do throws(MediaError) { try await api.unsubscribe(room: room, sessionID: session) } catch { throw APIError(error) }
            return Response(status: .ok)
        }
        router.patch("/whep/:room/:resource/:session") { request, context in
            let room = try Self.room(context)
            let token = try await authorize(request, room: room, grant: .subscribe)
            let session = try context.parameters.require("session")
            try await authorizeOwner(token, room: room, session: session)
            return try await patchICE(request, room: room, sessionID: session)
        }

        router.get("/v1/rooms/:room/publications") { request, context in
            let room = try Self.room(context)
            let token = try await authenticate(request)
            do throws(AccessError) { try token.authorize(room: room, grant: .subscribe) } catch { throw APIError(error) }
            let publications: [PublicationInfo]
            do throws(MediaError) { publications = try await api.publications(room: room) } catch { throw APIError(error) }
            return try Self.json(["publications": publications])
        }

        router.get("/v1/dev/token") { request, context in
            guard developmentTokens else {
                throw APIError(.notFound, code: "not_found", reason: "development tokens are off: configure --api-key/--api-secret and mint tokens with `cascade token`")
            }
            let room = request.uri.queryParameters.get("room") ?? ""
            guard Self.isValidRoom(room) else {
                throw APIError(.badRequest, code: "bad_room", reason: "room names are 1–64 letters, digits, '-' or '_'")
            }
            let identity = request.uri.queryParameters.get("identity") ?? "guest-\(randomToken(length: 6))"
            let token = AccessToken(apiKey: keys.apiKey, identity: identity, room: room,
                                    grants: Grants(publish: true, subscribe: true),
                                    expiresAt: Date().addingTimeInterval(3600))
            return try Self.json(["token": try await keys.sign(token)])
        }

        // Metrics name rooms and count everyone's sessions: an operator's, not a participant's.
        // Prometheus sends a service token (`cascade token --room '*' --admin`, docs/security.md).
        router.get("/metrics") { request, _ in
            let token = try await authenticate(request)
            do throws(AccessError) { try token.authorizeService() } catch { throw APIError(error) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: CascadeMetrics.render())))
        }
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        // The WHIP/WHEP try-it page; `/` belongs to the meeting app.
        router.get("/try") { _, _ in try serveAsset("index.html") }
        router.get("/web/:asset") { _, context in try serveAsset(context.parameters.require("asset")) }

        MediaAPIRoutes(api: api, keys: keys, limits: limits).register(on: router)
    }

    // MARK: - Authentication

    func authenticate(_ request: Request) async throws -> AccessToken {
        try await Self.authenticate(request, keys: keys)
    }

    static func authenticate(_ request: Request, keys: KeyService) async throws -> AccessToken {
        do throws(TokenError) {
            let token = try KeyService.bearerToken(fromAuthorization: request.headers[.authorization])
            return try await keys.verify(token)
        } catch {
            throw APIError(error)
        }
    }

    func authorize(_ request: Request, room: String, grant: Grants.Kind) async throws -> AccessToken {
        let token = try await authenticate(request)
        do throws(AccessError) { try token.authorize(room: room, grant: grant) } catch { throw APIError(error) }
        return token
    }

    /// A session may be ended or patched only by the identity whose token created it, or by a
    /// token with the admin grant (RFC 9725 leaves this to the server: a room's guest token,
    /// which anyone may get, must not end the host's camera).
    func authorizeOwner(_ token: AccessToken, room: String, session: String) async throws {
        guard !token.grants.admin else { return }
        let owner: String?
        do throws(MediaError) { owner = try await node.owner(ofSession: session, room: room) } catch { throw APIError(error) }
        guard let owner else {
            throw APIError(.notFound, code: "not_found", reason: "no session '\(session)' in room '\(room)'")
        }
        guard owner == token.identity else {
            throw APIError(.forbidden, code: "not_owner",
                           reason: "session '\(session)' belongs to another identity; only it or an admin token may change it")
        }
    }

    // MARK: - Helpers

    func serveAsset(_ name: String) throws -> Response {
        guard let asset = assets.asset(named: name) else {
            throw APIError(.notFound, code: "not_found", reason: "no such page '\(name)'")
        }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    static func isValidRoom(_ room: String) -> Bool {
        !room.isEmpty && room.count <= 64 && room.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func room(_ context: some RequestContext) throws -> String {
        let room = try context.parameters.require("room")
        guard isValidRoom(room) else {
            throw APIError(.badRequest, code: "bad_room", reason: "room names are 1–64 letters, digits, '-' or '_'")
        }
        return room
    }

    static func resource(_ context: some RequestContext) throws -> ResourceID {
        let raw = try context.parameters.require("resource")
        guard let resource = ResourceID(raw) else {
            throw APIError(.notFound, code: "not_found", reason: "no resource '\(raw)'")
        }
        return resource
    }

    static func sdpBody(_ request: Request, limits: HTTPLimits) async throws -> String {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/sdp") else {
            var error = APIError(.unsupportedMediaType, code: "unsupported_media_type", reason: "the body must be application/sdp")
            error.extraHeaders[.accept] = "application/sdp"
            throw error
        }
        return try await textBody(request, what: "SDP offer", limits: limits)
    }

    /// The body as text, at most `maxSDPBytes`.
    static func textBody(_ request: Request, what: String, limits: HTTPLimits) async throws -> String {
        let body: ByteBuffer
        do throws(RequestBodyError) {
            body = try await request.collectBody(upTo: maxSDPBytes, limits: limits)
        } catch {
            throw APIError(error, what: what)
        }
        // Strictly UTF-8 (RFC 8866 §5: SDP text is UTF-8): a decoder that repairs bytes would
        // hand the negotiation a different text than the client sent.
        guard let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes),
              let text = String(validating: bytes, as: UTF8.self), !text.isEmpty else {
            throw APIError(.badRequest, code: "malformed_sdp", reason: "malformed \(what): the body is empty or not UTF-8")
        }
        return text
    }

    func created(_ answer: SessionAnswer, location: String, identity: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/sdp", .location: location,
                                   Self.acceptPatch: "application/trickle-ice-sdpfrag"]
        if let etag = answer.etag { headers[.eTag] = etag }
        for link in Self.iceServerLinks(turn, identity: identity, nowUnixSeconds: Int64(Date().timeIntervalSince1970)) {
            headers.append(HTTPField(name: Self.link, value: link))
        }
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.answerSDP)))
    }

    /// A PATCH of a session's ICE (RFC 9725 §4.4), `application/trickle-ice-sdpfrag` (RFC 8840).
    func patchICE(_ request: Request, room: String, sessionID: String) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/trickle-ice-sdpfrag") == true else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", reason: "PATCH takes application/trickle-ice-sdpfrag")
        }
        let fragment = try await Self.textBody(request, what: "sdpfrag", limits: limits)
        let update = ICEUpdateRequest(room: room, sessionID: sessionID, ifMatch: request.headers[.ifMatch], fragment: fragment)
        let answer: ICEUpdateAnswer
        do throws(MediaError) { answer = try await api.updateICE(update) } catch { throw APIError(error) }
        guard let restart = answer.fragment else { return Response(status: .noContent) }
        return Response(status: .ok,
                        headers: [.contentType: "application/trickle-ice-sdpfrag", .eTag: answer.etag],
                        body: .init(byteBuffer: ByteBuffer(string: restart)))
    }

    /// RFC 9725 §4.6 (RFC 8288 links): one `Link` per TURN or STUN URL, TURN ones with a login
    /// for this identity (`credential-type="password"`, the TURN REST scheme).
    static func iceServerLinks(_ turn: TURNCredentials?, identity: String, nowUnixSeconds: Int64) -> [String] {
        guard let turn, !turn.urls.isEmpty, !turn.secret.isEmpty else { return [] }
        let login = turn.login(for: identity, nowUnixSeconds: nowUnixSeconds)
        return turn.urls.map { url in
            guard !url.hasPrefix("stun:") else { return "<\(url)>; rel=\"ice-server\"" }
            return "<\(url)>; rel=\"ice-server\"; username=\"\(quoted(login.username))\"; "
                + "credential=\"\(quoted(login.password))\"; credential-type=\"password\""
        }
    }

    /// A quoted-string's content (RFC 9110 §5.6.4): backslash and double quote escaped.
    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
