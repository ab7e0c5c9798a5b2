import Foundation
import MediaAPI

/// Every message a client may send, decoded and validated.
public enum ClientMessage: Sendable, Equatable {
    case join(JoinMessage)
    case publish(PublishMessage)
    case unpublish(UnpublishMessage)
    case subscribe(SubscribeMessage)
    case unsubscribe(UnsubscribeMessage)
    case pause(PauseMessage)
    case iceRestart(ICERestartMessage)
    case mute(MuteMessage)
    case chat(ChatRequest)
    case quality(QualityReport)
    case ping
    case leave
    case hostMute(HostMuteMessage)
    case hostRemove(HostRemoveMessage)
    case hostLock(HostLockMessage)
    case hostEnd(HostEndMessage)
}

/// The `type` of every client message: the decoder switches over it exhaustively, so a message
/// added here is decoded, and AuthorizationTable must say who may send it (a test checks).
public enum ClientMessageType: String, CaseIterable, Sendable {
    case join, publish, unpublish, subscribe, unsubscribe, pause
    case iceRestart = "ice.restart"
    case mute, chat, quality, ping, leave
    case hostMute = "host.mute"
    case hostRemove = "host.remove"
    case hostLock = "host.lock"
    case hostEnd = "host.end"
}

/// A decoded client frame: the message and the `id` to echo as `re`.
public struct IncomingMessage: Sendable, Equatable {
    public var id: RequestID?
    public var message: ClientMessage
}

/// A frame that could not be decoded: the error to send, and the `id` when one could be read.
public struct DecodeFailure: Error, Sendable, Equatable {
    public var id: RequestID?
    public var error: SignalingError
}

/// Turns a text frame into a `ClientMessage`, with errors that name the field at fault
/// (`bad_json`, `bad_message`, docs/signaling.md *Errors*).
public enum MessageDecoder {
    public static let maxNameCharacters = 64
    public static let maxChatCharacters = 4000
    static let maxReasonCharacters = 200

    private struct Probe: Decodable {
        var type: String?
        var id: RequestID?
    }

    private struct IDOnly: Decodable {
        var id: RequestID?
    }

    public static func decode(_ text: String) -> Result<IncomingMessage, DecodeFailure> {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        let probe: Probe
        do {
            probe = try decoder.decode(Probe.self, from: data)
        } catch {
            let id = (try? decoder.decode(IDOnly.self, from: data))?.id
            return .failure(DecodeFailure(id: id, error: describe(error)))
        }
        guard let type = probe.type else {
            return .failure(DecodeFailure(id: probe.id, error: SignalingError(.badMessage, "field 'type' is missing")))
        }
        do {
            let message = try decodeMessage(type: type, data: data, decoder: decoder)
            try validate(message)
            return .success(IncomingMessage(id: probe.id, message: message))
        } catch let error as SignalingError {
            return .failure(DecodeFailure(id: probe.id, error: error))
        } catch {
            return .failure(DecodeFailure(id: probe.id, error: describe(error)))
        }
    }

    private static func decodeMessage(type: String, data: Data, decoder: JSONDecoder) throws -> ClientMessage {
        guard let kind = ClientMessageType(rawValue: type) else {
            throw SignalingError(.badMessage, "unknown type '\(type.prefix(64))'")
        }
        return switch kind {
        case .join: .join(try decoder.decode(JoinMessage.self, from: data))
        case .publish: .publish(try decoder.decode(PublishMessage.self, from: data))
        case .unpublish: .unpublish(try decoder.decode(UnpublishMessage.self, from: data))
        case .subscribe: .subscribe(try decoder.decode(SubscribeMessage.self, from: data))
        case .unsubscribe: .unsubscribe(try decoder.decode(UnsubscribeMessage.self, from: data))
        case .pause: .pause(try decoder.decode(PauseMessage.self, from: data))
        case .iceRestart: .iceRestart(try decoder.decode(ICERestartMessage.self, from: data))
        case .mute: .mute(try decoder.decode(MuteMessage.self, from: data))
        case .chat: .chat(try decoder.decode(ChatRequest.self, from: data))
        case .quality: .quality(try decoder.decode(QualityReport.self, from: data))
        case .ping: .ping
        case .leave: .leave
        case .hostMute: .hostMute(try decoder.decode(HostMuteMessage.self, from: data))
        case .hostRemove: .hostRemove(try decoder.decode(HostRemoveMessage.self, from: data))
        case .hostLock: .hostLock(try decoder.decode(HostLockMessage.self, from: data))
        case .hostEnd: .hostEnd(try decoder.decode(HostEndMessage.self, from: data))
        }
    }

    /// Value checks the types alone cannot express.
    private static func validate(_ message: ClientMessage) throws(SignalingError) {
        switch message {
        case .join(let join):
            if let name = join.name {
                let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
                guard (1...maxNameCharacters).contains(trimmed.count),
                      !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw SignalingError(.badMessage, "field 'name' must be 1–\(maxNameCharacters) characters, without control characters")
                }
            }
        case .chat(let chat):
            guard (1...maxChatCharacters).contains(chat.text.count),
                  !chat.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SignalingError(.badMessage, "field 'text' must be 1–\(maxChatCharacters) characters, not only spaces")
            }
        case .quality(let report):
            guard report.packetLoss.isFinite, (0...1).contains(report.packetLoss) else {
                throw SignalingError(.badMessage, "field 'packetLoss' must be a number from 0 to 1")
            }
            if let rtt = report.rttMs, !(rtt.isFinite && rtt >= 0) {
                throw SignalingError(.badMessage, "field 'rttMs' must be a number ≥ 0")
            }
            if let jitter = report.jitterMs, !(jitter.isFinite && jitter >= 0) {
                throw SignalingError(.badMessage, "field 'jitterMs' must be a number ≥ 0")
            }
        case .iceRestart(let restart):
            guard (restart.publicationId == nil) != (restart.subscriptionId == nil) else {
                throw SignalingError(.badMessage, "exactly one of 'publicationId' and 'subscriptionId' names the session to restart")
            }
        case .hostRemove(let remove):
            if let reason = remove.reason, reason.count > maxReasonCharacters {
                throw SignalingError(.badMessage, "field 'reason' must be at most \(maxReasonCharacters) characters")
            }
        case .hostEnd(let end):
            if let reason = end.reason, reason.count > maxReasonCharacters {
                throw SignalingError(.badMessage, "field 'reason' must be at most \(maxReasonCharacters) characters")
            }
        default:
            break
        }
    }

    /// Names the field and what it should have been, from the decoder's coding path.
    static func describe(_ error: any Error) -> SignalingError {
        guard let error = error as? DecodingError else {
            return SignalingError(.badJSON, "the frame is not valid JSON")
        }
        switch error {
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else {
                return SignalingError(.badJSON, "the frame is not a JSON object")
            }
            return SignalingError(.badMessage, "field '\(path(context.codingPath))' must be \(expected(type))")
        case .valueNotFound(let type, let context):
            guard !context.codingPath.isEmpty else {
                return SignalingError(.badJSON, "the frame is not a JSON object")
            }
            return SignalingError(.badMessage, "field '\(path(context.codingPath))' must be \(expected(type)), not null")
        case .keyNotFound(let key, let context):
            return SignalingError(.badMessage, "field '\(path(context.codingPath + [key]))' is missing")
        case .dataCorrupted(let context):
            guard let last = context.codingPath.last else {
                return SignalingError(.badJSON, "the frame is not valid JSON")
            }
            let field = path(context.codingPath)
            switch last.stringValue {
            case "kind": return SignalingError(.badMessage, "field '\(field)' must be \"audio\" or \"video\"")
            case "source": return SignalingError(.badMessage, "field '\(field)' must be \"camera\" or \"screen\"")
            case "protocol": return SignalingError(.badMessage, "field '\(field)' must be an integer")
            default: return SignalingError(.badMessage, "field '\(field)' has an invalid value")
            }
        @unknown default:
            return SignalingError(.badMessage, "the message does not match its type")
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
    }

    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is RequestID.Type: "a string or a number"
        case is MediaSource.Type: "\"camera\" or \"screen\""
        case is TrackKind.Type: "\"audio\" or \"video\""
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
