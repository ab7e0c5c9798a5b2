import Auth
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import Synchronization

/// Control's end of media uplinks: WebSockets that media nodes control cannot reach (an office
/// behind a firewall that drops every inbound packet) dial out to `GET /v1/cascade/uplink?node=ID`,
/// so that control can call their `MediaAPI` anyway. Wire format: `UplinkWire`, `docs/uplink.md`.
///
/// A node is accepted when its bearer token is a service token signed with the shared API key
/// and its id is one of `allowedNodes`. A newer uplink from the same node replaces the older one
/// (the node restarted, or its old socket is half dead): the old socket is closed and its
/// pending calls fail.
///
/// Wiring, in a control process:
/// ```swift
/// let uplinks = MediaUplinks(keys: keys, allowedNodes: ["office-1"], logger: logger) { node, up in … }
/// .http1WebSocketUpgrade(configuration: .init(ws: …)) { request, _, _ in
///     guard let handler = await uplinks.upgrade(request) else { return .dontUpgrade }
///     return .upgrade([:]) { inbound, outbound, _ in await handler(inbound, outbound) }
/// }
/// ```
public actor MediaUplinks {
    public static let path = UplinkWire.path

    private let keys: KeyService
    /// Read by the nonisolated `upgrade`; changed when the deployment file changes.
    private let allowedNodes: Mutex<Set<String>>
    private let requestTimeout: Duration
    private let onChange: @Sendable (String, Bool) -> Void
    private let logger: Logger
    private var uplinks: [String: UplinkConnection] = [:]

    /// - Parameters:
    ///   - allowedNodes: ids of the nodes that may dial in (the deployment file's unreachable nodes).
    ///   - requestTimeout: how long a call waits for the node's answer.
    ///   - onChange: `(node, true)` when a node's uplink opens, `(node, false)` when it ends. A
    ///     replaced uplink reports `false` then `true`: the node may have restarted and lost its
    ///     sessions. Called on the actor, in order; keep it short.
    public init(keys: KeyService, allowedNodes: Set<String>, requestTimeout: Duration = .seconds(10),
                logger: Logger = Logger(label: "cascade.uplinks"),
                onChange: @escaping @Sendable (String, Bool) -> Void = { _, _ in }) {
        self.keys = keys
        self.allowedNodes = Mutex(allowedNodes)
        self.requestTimeout = requestTimeout
        self.onChange = onChange
        var logger = logger
        logger[metadataKey: "component"] = "uplinks"
        self.logger = logger
    }

    /// The nodes that may dial in from now on (the deployment file changed). Open uplinks of
    /// nodes no longer listed are closed.
    public func setAllowedNodes(_ nodes: Set<String>) async {
        allowedNodes.withLock { $0 = nodes }
        for node in uplinks.keys where !nodes.contains(node) { await disconnect(node: node) }
    }

    // MARK: - Accepting

    /// For the HTTP server's WebSocket upgrade: the handler of `GET /v1/cascade/uplink?node=ID`
    /// when the request carries a valid service token and ID is an allowed node; nil otherwise
    /// (answer `.dontUpgrade`). The handler returns when the uplink ends.
    public nonisolated func upgrade(_ request: HTTPRequest) async -> (@Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void)? {
        guard request.method == .get, let path = request.path else { return nil }
        guard let query = WebSocketAddress.query(of: path, at: Self.path) else { return nil }
        guard let node = query["node"], allowedNodes.withLock({ $0.contains(node) }) else {
            logger.warning("media uplink refused: not an allowed node", metadata: ["node": "\(query["node"] ?? "")"])
            return nil
        }
        do {
            let token = try await keys.verify(KeyService.bearerToken(fromAuthorization: request.headerFields[.authorization]))
            try token.authorizeService()
        } catch {
            logger.warning("media uplink refused: bad node token", metadata: ["node": "\(node)", "error": "\(error)"])
            return nil
        }
        return { [self] inbound, outbound in
            let connection = UplinkConnection(node: node, outbound: outbound, timeout: requestTimeout, logger: logger)
            await attach(connection)
            await connection.run(inbound)
            await detach(connection)
        }
    }

    // MARK: - Using

    /// The media API of `node` while its uplink is open; nil while it is not.
    ///
    /// The object stays bound to the node, not to one socket: each call goes over the node's
    /// current uplink, so it keeps working after the node redials, and fails with
    /// `.internalFailure("node X is not connected")` while there is none.
    public func api(forNode node: String) -> (any MediaAPI)? {
        guard uplinks[node] != nil else { return nil }
        return UplinkMediaAPI(node: node, uplinks: self)
    }

    public func connectedNodes() -> Set<String> {
        Set(uplinks.keys)
    }

    /// Closes `node`'s uplink (if any); its pending calls fail at once. The node will redial.
    public func disconnect(node: String) async {
        guard let connection = uplinks.removeValue(forKey: node) else { return }
        logger.info("media uplink closed by control", metadata: ["node": "\(node)"])
        onChange(node, false)
        await connection.close(reason: "closed by control")
    }

    /// Closes every uplink.
    public func shutdown() async {
        for node in uplinks.keys.sorted() { await disconnect(node: node) }
    }

    func connection(for node: String) -> UplinkConnection? {
        uplinks[node]
    }

    // MARK: - Lifetime

    private func attach(_ connection: UplinkConnection) async {
        let node = connection.node
        let old = uplinks[node]
        uplinks[node] = connection
        if old != nil {
            logger.notice("media uplink replaced by a newer one", metadata: ["node": "\(node)"])
            onChange(node, false)
        } else {
            logger.info("media uplink open", metadata: ["node": "\(node)"])
        }
        onChange(node, true)
        await old?.close(reason: "replaced by a newer uplink")
    }

    private func detach(_ connection: UplinkConnection) async {
        await connection.markClosed()
        let node = connection.node
        guard uplinks[node] === connection else { return }
        uplinks[node] = nil
        logger.info("media uplink closed", metadata: ["node": "\(node)"])
        onChange(node, false)
    }
}

/// `MediaAPI` of one node over its uplink (see `MediaUplinks.api(forNode:)`).
struct UplinkMediaAPI: MediaAPI {
    let node: String
    let uplinks: MediaUplinks

    private func call<Result: Decodable & Sendable>(_ call: UplinkCall, _ type: Result.Type) async throws(MediaError) -> Result {
        guard let connection = await uplinks.connection(for: node) else { throw UplinkConnection.notConnected(node) }
        return try await connection.call(call, type)
    }

    func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer {
        try await call(.publish(request), SessionAnswer.self)
    }

    func unpublish(room: String, resourceID: ResourceID) async throws(MediaError) {
        _ = try await call(.unpublish(room: room, resourceID: resourceID), UplinkAnswer.Empty.self)
    }

    func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer {
        try await call(.subscribe(request), SessionAnswer.self)
    }

    func unsubscribe(room: String, sessionID: String) async throws(MediaError) {
        _ = try await call(.unsubscribe(room: room, sessionID: sessionID), UplinkAnswer.Empty.self)
    }

    func publications(room: String) async throws(MediaError) -> [PublicationInfo] {
        try await call(.publications(room: room), [PublicationInfo].self)
    }

    func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError) {
        _ = try await call(.setPaused(room: room, sessionID: sessionID, kind: kind, paused: paused), UplinkAnswer.Empty.self)
    }

    func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError) {
        _ = try await call(.setForwarding(room: room, resourceID: resourceID, kind: kind, enabled: enabled),
                           UplinkAnswer.Empty.self)
    }

    func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport] {
        try await call(.audioLevels(room: room), [AudioLevelReport].self)
    }

    func sessionStats(room: String) async throws(MediaError) -> [SessionStats] {
        try await call(.sessionStats(room: room), [SessionStats].self)
    }

    func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer {
        try await call(.updateICE(request), ICEUpdateAnswer.self)
    }
}
