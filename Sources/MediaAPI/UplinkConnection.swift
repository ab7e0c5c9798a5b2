import Foundation
import HummingbirdWebSocket
import Logging

/// One open uplink, on control's side: control's `MediaAPI` calls as requests over the node's
/// WebSocket (`RequestChannel`), answers decoded per `UplinkWire`. Requests from the node are not
/// part of the protocol.
final class UplinkConnection: Sendable {
    let node: String
    private let channel: RequestChannel

    static func notConnected(_ node: String) -> MediaError { .internalFailure("node \(node) is not connected") }
    static func noAnswer(_ node: String) -> MediaError { .internalFailure("node \(node) did not answer") }

    init(node: String, outbound: WebSocketOutboundWriter, timeout: Duration, logger: Logger) {
        self.node = node
        var logger = logger
        logger[metadataKey: "node"] = "\(node)"
        logger[metadataKey: "channel"] = "uplink"
        channel = RequestChannel(outbound: outbound, timeout: timeout, logger: logger) { frame in
            UplinkAnswer.requestID(of: Data(frame.utf8))
        }
    }

    /// Sends `call` and waits for the node's answer, decoded as `Result`.
    func call<Result: Decodable>(_ call: UplinkCall, _ type: Result.Type) async throws(MediaError) -> Result {
        let answer: String
        do {
            answer = try await channel.request { id in UplinkRequest(id: id, call: call).encoded() }
        } catch {
            throw error == .timedOut ? Self.noAnswer(node) : Self.notConnected(node)
        }
        return try UplinkAnswer.result(type, from: Data(answer.utf8), node: node, method: call.method)
    }

    /// Fails every pending request; later calls fail at once.
    func markClosed() async { await channel.markClosed() }

    /// Fails what is pending and closes the socket (the node sees a normal close and redials).
    func close(reason: String) async { await channel.close(reason: reason) }

    /// Reads answers until the socket ends.
    func run(_ inbound: WebSocketInboundStream) async {
        await channel.run(inbound, maxFrameBytes: UplinkWire.maxMessageBytes)
    }
}
