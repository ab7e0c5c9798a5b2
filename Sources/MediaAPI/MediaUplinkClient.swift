import Auth
import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// A media node's end of its uplink to control (see `MediaUplinks`): a node control cannot reach
/// dials out, and answers control's `MediaAPI` calls over that WebSocket with `api`.
public struct MediaUplinkClient: Sendable {
    /// Dials `controlURL` (`http(s)://` or `ws(s)://`) at `/v1/cascade/uplink?node=<nodeID>` with a
    /// fresh service token, answers requests (each in its own child task: calls are concurrent,
    /// and a slow one must not hold up the others), and redials after a failure or close, waiting
    /// 0.5 s doubling to 5 s, until the calling task is cancelled.
    public static func run(controlURL: String, nodeID: String, keys: KeyService, api: any MediaAPI,
                           logger: Logger) async {
        var logger = logger
        logger[metadataKey: "component"] = "uplink"
        logger[metadataKey: "control"] = "\(controlURL)"
        let url = WebSocketAddress.url(forHTTP: controlURL) + UplinkWire.path + "?node=" + nodeID
        var delay = minimumDelay
        while !Task.isCancelled {
            let opened = Flag()
            do {
                let token = try await keys.sign(.service(apiKey: keys.apiKey, identity: "node:\(nodeID)",
                                                         expiresAt: Date().addingTimeInterval(300)))
                let configuration = WebSocketClientConfiguration(
                    maxFrameSize: UplinkWire.maxMessageBytes,
                    additionalHeaders: [.authorization: "Bearer \(token)"],
                    autoPing: .enabled(timePeriod: UplinkWire.pingInterval))
                let clientLogger = logger
                try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    opened.set()
                    clientLogger.info("media uplink to control open")
                    await serve(inbound: inbound, outbound: outbound, api: api, logger: clientLogger)
                }
                if opened.isSet && !Task.isCancelled { logger.notice("media uplink to control closed; redialing") }
            } catch {
                if Task.isCancelled {
                    break
                } else if opened.isSet {
                    logger.notice("media uplink to control failed; redialing", metadata: ["error": "\(error)"])
                } else {
                    logger.notice("could not open the media uplink to control; retrying", metadata: [
                        "error": "\(error)", "retry_seconds": "\(delay)",
                    ])
                }
            }
            // An uplink that was open redials soon; repeated failures back off.
            if opened.isSet { delay = minimumDelay }
            try? await Task.sleep(for: .seconds(delay))
            if !opened.isSet { delay = min(delay * 2, maximumDelay) }
        }
        logger.info("media uplink to control stopped")
    }

    static let minimumDelay = 0.5
    static let maximumDelay = 5.0

    /// Answers requests until the socket ends; then gives up on the calls still running. Each
    /// call runs in its own child task (`RequestChannel`): a slow one holds up no other.
    static func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                      api: any MediaAPI, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "channel"] = "uplink"
        // The node asks nothing of control: no frame from control is an answer.
        let channel = RequestChannel(outbound: outbound, timeout: .seconds(10), logger: logger) { _ in nil }
        await channel.run(inbound, maxFrameBytes: UplinkWire.maxMessageBytes) { [logger] text in
            do throws(UplinkRequest.Unreadable) {
                return await UplinkAnswer.answer(try UplinkRequest.decode(text), using: api)
            } catch {
                logger.warning("media uplink: unreadable request", metadata: ["error": "\(error.reason)"])
                return error.id.map { UplinkAnswer.failure(re: $0, .internalFailure(error.reason)) }
            }
        }
    }

    /// Whether the current dial got as far as an open WebSocket.
    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
