import Auth
import Foundation
import HTTPGuard
import Hummingbird
import MediaAPI

/// An HTTP error of the control plane: a status and `{"error": code, "reason": text}`, the same
/// shape as the media node's.
struct ControlHTTPError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let reason: String

    init(_ status: HTTPResponse.Status, _ code: String, _ reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try ControlPlane.json(["error": code, "reason": reason], status: status)
    }
}

extension ControlPlane {
    /// Registers the control plane's HTTP routes:
    /// - `POST /v1/rooms/{room}/join` — an open-join token (off with `requireToken`)
    /// - `GET /` — the start page; `GET /r/{room}` — the meeting page; `GET /app/{file…}` — its assets
    /// - `GET /rtc` without an upgrade — 426, a hint that this is the signaling WebSocket
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v1/rooms/:room/join") { [self] request, context in
            try await openJoin(request, room: context.parameters.require("room"))
        }
        router.get("/") { [self] request, _ in try page("index.html", request) }
        router.get("/r/:room") { [self] request, _ in
            try page(assets.asset(named: "room.html") != nil ? "room.html" : "index.html", request)
        }
        router.get("/app/**") { [self] request, context in
            try page(context.parameters.getCatchAll().joined(separator: "/"), request)
        }
        router.get("/rtc") { _, _ in
            try Self.json(["error": "upgrade_required", "reason": "/rtc is the signaling WebSocket (docs/signaling.md)"],
                          status: .upgradeRequired, headers: [.upgrade: "websocket"])
        }
    }

    private struct OpenJoinBody: Decodable {
        var name: String?
    }

    /// docs/signaling.md, *Joining without a token*: anyone with the link gets a token with the
    /// publish and subscribe grants for that room, and a random identity.
    func openJoin(_ request: Request, room: String) async throws -> Response {
        guard !configuration.requireToken else {
            throw ControlHTTPError(.forbidden, "token_required",
                                   "this server requires a token: ask the meeting's organiser for one (minted with `cascade token`)")
        }
        guard SignalingService.isValidRoomName(room) else {
            throw ControlHTTPError(.badRequest, "bad_room", "room names are 1–64 letters, digits, '-' or '_'")
        }
        let body: ByteBuffer
        do throws(RequestBodyError) { body = try await request.collectBody(upTo: 4096, limits: configuration.httpLimits) } catch {
            switch error {
            case .tooLarge: throw ControlHTTPError(.contentTooLarge, "too_large", "the body is at most 4096 bytes")
            case .timedOut(let seconds):
                throw ControlHTTPError(.requestTimeout, "body_timeout", "the body did not arrive within \(seconds) s")
            }
        }
        var name: String?
        if body.readableBytes > 0 {
            do {
                name = try JSONDecoder().decode(OpenJoinBody.self, from: Data(body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [])).name
            } catch {
                throw ControlHTTPError(.badRequest, "bad_request", "the body must be a JSON object like {\"name\": \"Ada\"}")
            }
        }
        if let given = name {
            let trimmed = given.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...MessageDecoder.maxNameCharacters).contains(trimmed.count) else {
                throw ControlHTTPError(.badRequest, "bad_name", "names are 1–\(MessageDecoder.maxNameCharacters) characters")
            }
            name = trimmed
        }
        let identity = "guest-" + randomToken(length: 10)
        let token = AccessToken(apiKey: service.keys.apiKey, identity: identity, room: room,
                                grants: Grants(publish: true, subscribe: true),
                                expiresAt: Date().addingTimeInterval(configuration.openJoinTokenLifetimeSeconds), name: name)
        let signed = try await service.keys.sign(token)
        return try Self.json(["token": signed, "identity": identity, "room": room])
    }

    /// A file of the web app, with its security and cache headers (MeetingAssetResponses.swift).
    func page(_ name: String, _ request: Request) throws -> Response {
        guard let response = assets.response(named: name, ifNoneMatch: request.headers[.ifNoneMatch]) else {
            throw ControlHTTPError(.notFound, "not_found", "no such file '\(name.prefix(200))'")
        }
        return response
    }

    static func json(_ value: [String: String], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
