import HummingbirdWebSocket
import Logging
import MediaAPI

/// The control channel of one cascade link: `LinkMessage` requests and answers over the
/// WebSocket that the dialing node opened, on the same request channel as the media uplink
/// (`RequestChannel`). Either side may ask; requests are handled concurrently, because answering
/// one may need a request the other way (a `pull` that arrives at the dialer first sets up the
/// media transport with `transport.offer`).
public final class LinkChannel: Sendable {
    public let peerNode: String
    public let worker: Int
    /// This side opened the WebSocket: it is the ICE controlling side and DTLS client.
    public let isDialer: Bool
    private let channel: RequestChannel
    let logger: Logger

    public static let requestTimeout = Duration.seconds(10)
    public static let maxMessageBytes = 1 << 20

    public init(peerNode: String, worker: Int, isDialer: Bool, outbound: WebSocketOutboundWriter, logger: Logger) {
        self.peerNode = peerNode
        self.worker = worker
        self.isDialer = isDialer
        var logger = logger
        logger[metadataKey: "peer_node"] = "\(peerNode)"
        logger[metadataKey: "channel"] = "link"
        self.logger = logger
        channel = RequestChannel(outbound: outbound, timeout: Self.requestTimeout, logger: logger) { frame in
            LinkMessage.decode(frame)?.re
        }
    }

    public var isClosed: Bool { get async { await channel.isClosed } }

    /// Sends a request and waits for its answer; an `error` answer becomes a `MediaError`.
    public func request(_ message: LinkMessage) async throws(MediaError) -> LinkMessage {
        let text: String
        do {
            text = try await channel.request { id in
                var message = message
                message.id = id
                return message.encoded()
            }
        } catch {
            switch error {
            case .timedOut: throw .internalFailure("no answer from node '\(peerNode)' to '\(message.type.rawValue)'")
            case .closed: throw .internalFailure("the link to node '\(peerNode)' is closed")
            }
        }
        guard let answer = LinkMessage.decode(text) else {
            throw .internalFailure("node '\(peerNode)' answered '\(message.type.rawValue)' with an unreadable message")
        }
        if answer.type == .error {
            throw .notFound(answer.reason ?? "node '\(peerNode)' refused '\(message.type.rawValue)'")
        }
        return answer
    }

    /// Returns once the channel is closed (by either side, or a failed socket).
    public func waitUntilClosed() async {
        await channel.waitUntilClosed()
    }

    public func closeSocket() async {
        await channel.close(reason: "link closed")
    }

    /// Reads messages until the socket ends; requests go to `handle`, whose answer (if any) is
    /// sent back with `re` set.
    public func run(_ inbound: WebSocketInboundStream, handle: @escaping @Sendable (LinkMessage) async -> LinkMessage?) async {
        let logger = self.logger
        await channel.run(inbound, maxFrameBytes: Self.maxMessageBytes) { text in
            guard let request = LinkMessage.decode(text) else {
                logger.warning("cascade link: undecodable message ignored")
                return nil
            }
            guard var answer = await handle(request) else { return nil }
            answer.re = request.id
            return answer.encoded()
        }
    }
}
