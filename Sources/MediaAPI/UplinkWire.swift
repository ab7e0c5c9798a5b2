import Foundation

/// The wire format of a media uplink: the `MediaAPI` over a WebSocket that a media node dialed
/// out to control (`GET /v1/cascade/uplink?node=ID`), for a node control cannot reach.
/// The full description, with examples, is in `docs/uplink.md`.
///
/// Every message is one JSON text frame (at most `UplinkWire.maxMessageBytes`). Control asks,
/// the node answers; answers may come in any order, matched by id:
///
/// ```
/// control → node   {"id": 7, "method": "publish", "params": {"room": "r", "identity": "ann", "offerSDP": "v=0…"}}
/// node → control   {"re": 7, "result": {"sessionID": "office-1.x", "answerSDP": "v=0…"}}
/// node → control   {"re": 7, "error": {"kind": "notFound", "message": "room r"}}
/// ```
///
/// | method          | params                                          | result                 |
/// |-----------------|-------------------------------------------------|------------------------|
/// | `publish`       | `PublishRequest`                                | `SessionAnswer`        |
/// | `unpublish`     | `{room, resourceID}`                            | `{}`                   |
/// | `subscribe`     | `SubscribeRequest`                              | `SessionAnswer`        |
/// | `unsubscribe`   | `{room, sessionID}`                             | `{}`                   |
/// | `publications`  | `{room}`                                        | `[PublicationInfo]`    |
/// | `setPaused`     | `{room, sessionID, kind, paused}`               | `{}`                   |
/// | `setForwarding` | `{room, resourceID, kind, enabled}`             | `{}`                   |
/// | `audioLevels`   | `{room}`                                        | `[AudioLevelReport]`   |
/// | `sessionStats`  | `{room}`                                        | `[SessionStats]`       |
///
/// `error.kind` is the name of the `MediaError` case and `error.message` its associated string,
/// so an error crosses the uplink unchanged. Liveness is the WebSocket's own ping/pong (both
/// sides ping every 5 s), not a message of this format.
public enum UplinkWire {
    /// WebSocket ping period of uplinks and cascade links' channels. A socket is given up when a
    /// ping goes unanswered for a whole period (15–30 s): a WAN outage shorter than that keeps
    /// the node, its relays and its participants where they are, while a node that dies closes
    /// its TCP connections and is noticed at once.
    public static let pingInterval = Duration.seconds(15)

    /// Largest message either side accepts (SDP and publication lists fit easily).
    public static let maxMessageBytes = 1 << 20
    /// The path a media node dials; `?node=<id>` names it.
    public static let path = "/v1/cascade/uplink"
}

/// The `method` of an uplink request: one per `MediaAPI` operation.
public enum UplinkMethod: String, Codable, Sendable, CaseIterable {
    case publish, unpublish, subscribe, unsubscribe, publications
    case setPaused, setForwarding, audioLevels, sessionStats, updateICE
}

/// One `MediaAPI` call and its arguments, as carried by an uplink request.
public enum UplinkCall: Sendable {
    case publish(PublishRequest)
    case unpublish(room: String, resourceID: ResourceID)
    case subscribe(SubscribeRequest)
    case unsubscribe(room: String, sessionID: String)
    case publications(room: String)
    case setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool)
    case setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool)
    case audioLevels(room: String)
    case sessionStats(room: String)
    case updateICE(ICEUpdateRequest)

    public var method: UplinkMethod {
        switch self {
        case .publish: .publish
        case .unpublish: .unpublish
        case .subscribe: .subscribe
        case .unsubscribe: .unsubscribe
        case .publications: .publications
        case .setPaused: .setPaused
        case .setForwarding: .setForwarding
        case .audioLevels: .audioLevels
        case .sessionStats: .sessionStats
        case .updateICE: .updateICE
        }
    }
}

/// `{"id": 7, "method": "…", "params": {…}}`: control asks the node to perform `call`.
public struct UplinkRequest: Sendable {
    public var id: Int
    public var call: UplinkCall

    public init(id: Int, call: UplinkCall) {
        self.id = id
        self.call = call
    }

    /// Why a frame is not a request this node can perform. `id` is set when the frame named one,
    /// so the node can still answer it with an error instead of leaving control to time out.
    public struct Unreadable: Error, Sendable {
        public var id: Int?
        public var reason: String
    }

    public func encoded() -> String {
        // Encoding plain strings, enums and Bools cannot fail.
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ text: String) throws(Unreadable) -> UplinkRequest {
        let data = Data(text.utf8)
        let id = (try? JSONDecoder().decode(IDOnly.self, from: data))?.id
        do {
            return try JSONDecoder().decode(UplinkRequest.self, from: data)
        } catch {
            throw Unreadable(id: id, reason: "unreadable uplink request: \(error)")
        }
    }

    private struct IDOnly: Decodable { var id: Int }
}

extension UplinkRequest: Codable {
    private enum CodingKeys: String, CodingKey { case id, method, params }

    // The params objects of the methods whose arguments are not a request type already.
    private struct RoomParams: Codable { var room: String }
    private struct UnpublishParams: Codable { var room: String; var resourceID: ResourceID }
    private struct UnsubscribeParams: Codable { var room: String; var sessionID: String }
    private struct PausedParams: Codable { var room: String; var sessionID: String; var kind: TrackKind; var paused: Bool }
    private struct ForwardingParams: Codable {
        var room: String; var resourceID: ResourceID; var kind: TrackKind; var enabled: Bool
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        let method = try container.decode(UplinkMethod.self, forKey: .method)
        switch method {
        case .publish:
            call = .publish(try container.decode(PublishRequest.self, forKey: .params))
        case .unpublish:
            let p = try container.decode(UnpublishParams.self, forKey: .params)
            call = .unpublish(room: p.room, resourceID: p.resourceID)
        case .subscribe:
            call = .subscribe(try container.decode(SubscribeRequest.self, forKey: .params))
        case .unsubscribe:
            let p = try container.decode(UnsubscribeParams.self, forKey: .params)
            call = .unsubscribe(room: p.room, sessionID: p.sessionID)
        case .publications:
            call = .publications(room: try container.decode(RoomParams.self, forKey: .params).room)
        case .setPaused:
            let p = try container.decode(PausedParams.self, forKey: .params)
            call = .setPaused(room: p.room, sessionID: p.sessionID, kind: p.kind, paused: p.paused)
        case .setForwarding:
            let p = try container.decode(ForwardingParams.self, forKey: .params)
            call = .setForwarding(room: p.room, resourceID: p.resourceID, kind: p.kind, enabled: p.enabled)
        case .audioLevels:
            call = .audioLevels(room: try container.decode(RoomParams.self, forKey: .params).room)
        case .sessionStats:
            call = .sessionStats(room: try container.decode(RoomParams.self, forKey: .params).room)
        case .updateICE:
            call = .updateICE(try container.decode(ICEUpdateRequest.self, forKey: .params))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(call.method, forKey: .method)
        switch call {
        case .publish(let request):
            try container.encode(request, forKey: .params)
        case .unpublish(let room, let resourceID):
            try container.encode(UnpublishParams(room: room, resourceID: resourceID), forKey: .params)
        case .subscribe(let request):
            try container.encode(request, forKey: .params)
        case .unsubscribe(let room, let sessionID):
            try container.encode(UnsubscribeParams(room: room, sessionID: sessionID), forKey: .params)
        case .publications(let room), .audioLevels(let room), .sessionStats(let room):
            try container.encode(RoomParams(room: room), forKey: .params)
        case .setPaused(let room, let sessionID, let kind, let paused):
            try container.encode(PausedParams(room: room, sessionID: sessionID, kind: kind, paused: paused), forKey: .params)
        case .setForwarding(let room, let resourceID, let kind, let enabled):
            try container.encode(ForwardingParams(room: room, resourceID: resourceID, kind: kind, enabled: enabled),
                                 forKey: .params)
        case .updateICE(let request):
            try container.encode(request, forKey: .params)
        }
    }
}

/// `{"kind": "notFound", "message": "…"}`: a `MediaError` on the wire, case name and string.
public struct UplinkError: Codable, Sendable, Equatable {
    public var kind: String
    public var message: String

    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }

    public init(_ error: MediaError) {
        switch error {
        case .malformedOffer(let message): self.init(kind: "malformedOffer", message: message)
        case .unacceptableOffer(let message): self.init(kind: "unacceptableOffer", message: message)
        case .noCommonCodec(let message): self.init(kind: "noCommonCodec", message: message)
        case .notFound(let message): self.init(kind: "notFound", message: message)
        case .capacity(let message): self.init(kind: "capacity", message: message)
        case .tooManySessions(let message): self.init(kind: "tooManySessions", message: message)
        case .preconditionRequired(let message): self.init(kind: "preconditionRequired", message: message)
        case .preconditionFailed(let message): self.init(kind: "preconditionFailed", message: message)
        case .internalFailure(let message): self.init(kind: "internalFailure", message: message)
        }
    }

    /// The inverse of `init(_:)`; a kind this side does not know is an internal failure.
    public var mediaError: MediaError {
        switch kind {
        case "malformedOffer": .malformedOffer(message)
        case "unacceptableOffer": .unacceptableOffer(message)
        case "noCommonCodec": .noCommonCodec(message)
        case "notFound": .notFound(message)
        case "capacity": .capacity(message)
        case "tooManySessions": .tooManySessions(message)
        case "preconditionRequired": .preconditionRequired(message)
        case "preconditionFailed": .preconditionFailed(message)
        case "internalFailure": .internalFailure(message)
        default: .internalFailure("\(kind): \(message)")
        }
    }
}

/// `{"re": 7, "result": …}` or `{"re": 7, "error": {…}}`: the node's answer to request 7.
public enum UplinkAnswer {
    /// The `result` of a method that returns nothing: `{}`.
    public struct Empty: Codable, Sendable, Equatable {
        public init() {}
    }

    private struct Success<Result: Encodable>: Encodable { var re: Int; var result: Result }
    private struct Failure: Encodable { var re: Int; var error: UplinkError }
    private struct Header: Decodable { var re: Int }
    private struct Body<Result: Decodable>: Decodable { var result: Result?; var error: UplinkError? }

    public static func success<Result: Encodable>(re id: Int, _ result: Result) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(Success(re: id, result: result)), as: UTF8.self)
        } catch {
            // Only a non-finite Double can get here; say so rather than leave control waiting.
            return failure(re: id, .internalFailure("could not encode the answer: \(error)"))
        }
    }

    public static func failure(re id: Int, _ error: MediaError) -> String {
        let data = (try? JSONEncoder().encode(Failure(re: id, error: UplinkError(error)))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The request id an answer refers to, or nil when the frame is not an answer.
    public static func requestID(of data: Data) -> Int? {
        (try? JSONDecoder().decode(Header.self, from: data))?.re
    }

    /// The result of an answer, or the `MediaError` it carries. `node` and `method` only word
    /// the error of an answer that is neither.
    public static func result<Result: Decodable>(_ type: Result.Type, from data: Data,
                                                 node: String, method: UplinkMethod) throws(MediaError) -> Result {
        let body: Body<Result>
        do {
            body = try JSONDecoder().decode(Body<Result>.self, from: data)
        } catch {
            throw .internalFailure("node \(node) answered '\(method.rawValue)' with an unreadable body: \(error)")
        }
        if let error = body.error { throw error.mediaError }
        guard let result = body.result else {
            throw .internalFailure("node \(node) answered '\(method.rawValue)' with neither result nor error")
        }
        return result
    }

    /// Performs `request` on `api` and words the answer.
    public static func answer(_ request: UplinkRequest, using api: any MediaAPI) async -> String {
        let id = request.id
        do throws(MediaError) {
            switch request.call {
            case .publish(let publish):
                return success(re: id, try await api.publish(publish))
            case .unpublish(let room, let resourceID):
                try await api.unpublish(room: room, resourceID: resourceID)
            case .subscribe(let subscribe):
                return success(re: id, try await api.subscribe(subscribe))
            case .unsubscribe(let room, let sessionID):
                try await api.unsubscribe(room: room, sessionID: sessionID)
            case .publications(let room):
                return success(re: id, try await api.publications(room: room))
            case .setPaused(let room, let sessionID, let kind, let paused):
                try await api.setPaused(room: room, sessionID: sessionID, kind: kind, paused: paused)
            case .setForwarding(let room, let resourceID, let kind, let enabled):
                try await api.setForwarding(room: room, resourceID: resourceID, kind: kind, enabled: enabled)
            case .audioLevels(let room):
                return success(re: id, try await api.audioLevels(room: room))
            case .sessionStats(let room):
                return success(re: id, try await api.sessionStats(room: room))
            case .updateICE(let update):
                return success(re: id, try await api.updateICE(update))
            }
            return success(re: id, Empty())
        } catch {
            return failure(re: id, error)
        }
    }
}
