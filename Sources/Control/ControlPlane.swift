import Auth
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import HTTPGuard
import Logging
import MediaAPI

/// The control plane of `cascade serve`: the signaling WebSocket (`/rtc`), rooms and their
/// participants, open-join tokens (`POST /v1/rooms/{room}/join`) and the meeting web app.
/// It reaches media only through `MediaAPI` and keeps no media state of its own.
///
/// Wiring, in `cascade serve`:
/// ```swift
/// let control = ControlPlane(configuration: controlConfiguration, media: node, keys: keys, logger: logger)
/// control.register(on: router)                      // HTTP routes
/// let app = Application(router: router, server: control.httpServer(), ...)   // + WebSocket upgrade
/// ```
public final class ControlPlane: Sendable {
    public let configuration: ControlConfiguration
    let service: SignalingService
    let assets: MeetingAssets

    public convenience init(configuration: ControlConfiguration, media: any MediaAPI, keys: KeyService, logger: Logger) {
        self.init(configuration: configuration, nodes: SingleMediaNode(media), keys: keys, logger: logger)
    }

    /// Signaling over several media nodes (`cascade control`): participants are placed by `nodes`.
    public convenience init(configuration: ControlConfiguration, nodes: any MediaNodes, keys: KeyService, logger: Logger) {
        self.init(configuration: configuration, nodes: nodes, keys: keys, logger: logger,
                  clock: SystemControlClock(), runsTimers: true, assets: .bundled())
    }

    init(configuration: ControlConfiguration, nodes: any MediaNodes, keys: KeyService, logger: Logger,
         clock: any ControlClock, runsTimers: Bool, assets: MeetingAssets) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "control"
        self.service = SignalingService(configuration: configuration, nodes: nodes, keys: keys, clock: clock,
                                        logger: logger, runsTimers: runsTimers)
        self.assets = assets
    }

    /// Another WebSocket endpoint served on the same port (e.g. media nodes' uplinks): the
    /// handler for a request, or nil when the request is not for it.
    public typealias WebSocketEndpoint = @Sendable (HTTPRequest) async
        -> (@Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void)?

    /// The HTTP/1.1 server for `Application(server:)`: plain HTTP for every route, plus the
    /// WebSocket upgrade of `GET /rtc` (and of `other`, when given), within `limits`.
    public func httpServer(limits: HTTPLimits = HTTPLimits(), other: WebSocketEndpoint? = nil) -> HTTPServerBuilder {
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: configuration.maxFrameBytes,
            autoPing: .enabled(timePeriod: .seconds(15)),
            closeTimeout: .seconds(5))
        return .guardedWebSocketUpgrade(limits: limits, webSocket: webSocket) { [self] request, channel, _ in
            guard Self.isSignalingPath(request.path) else {
                guard let handler = await other?(request) else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, _ in await handler(inbound, outbound) }
            }
            return .upgrade([:]) { [self] inbound, outbound, context in
                await SignalingSocket(service: service, clientAddress: channel.remoteAddress?.ipAddress).run(
                    inbound: inbound, outbound: outbound,
                    closeTransport: { channel.close(promise: nil) },
                    logger: context.logger)
            }
        }
    }

    /// A media node died (`cascade control` watches them): its participants move to other nodes.
    public func mediaNodeFailed(_ node: String) async {
        await service.registry.mediaNodeFailed(node)
    }

    /// Closes every signaling socket (1001).
    public func shutdown() async {
        await service.registry.shutdown()
    }

    static func isSignalingPath(_ path: String?) -> Bool {
        guard let path else { return false }
        let withoutQuery = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return withoutQuery == "/rtc"
    }
}
