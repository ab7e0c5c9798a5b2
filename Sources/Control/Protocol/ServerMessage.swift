import Foundation

/// A message the server sends: one JSON object with a `"type"`. Encoded once per broadcast and
/// shared as text by every recipient's outbox.
public protocol ServerMessage: Encodable, Sendable {}

enum ServerMessageEncoder {
    /// Sorted keys make frames byte-stable, which tests and logs appreciate.
    static func encode(_ message: some ServerMessage) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(message), as: UTF8.self)
        } catch {
            // Only non-finite doubles fail to encode; none of our messages carries one unchecked.
            return #"{"code":"internal","message":"could not encode a reply","type":"error"}"#
        }
    }
}

/// `error` (docs/signaling.md, *Errors*).
public struct ErrorReply: ServerMessage, Equatable {
    public let type = "error"
    public var re: RequestID?
    public var code: SignalingErrorCode
    public var message: String

    public init(re: RequestID?, error: SignalingError) {
        self.re = re
        self.code = error.code
        self.message = error.message
    }
}

/// `ok`: the reply to host controls.
public struct OkReply: ServerMessage {
    public let type = "ok"
    public var re: RequestID?
}
