import Auth
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import MediaAPI
import NIOCore
import Synchronization

/// A peer media node this node may link with (from the deployment file).
public struct CascadePeer: Sendable, Equatable {
    public var id: String
    /// Its HTTP API, e.g. "http://10.0.2.2:8081"; links to it are dialed at `/v1/cascade/link`.
    public var url: String?
    /// Whether this node can open connections to it. Links to an unreachable peer exist only
    /// while that peer keeps one open to us.
    public var reachable: Bool

    public init(id: String, url: String?, reachable: Bool) {
        self.id = id
        self.url = url
        self.reachable = reachable
    }
}

/// How a media node cascades.
public struct CascadeConfiguration: Sendable {
    /// Whether peers can open connections to this node. An unreachable node (an office behind a
    /// firewall) keeps a link open to every reachable peer itself, so that they can pull from it.
    public var reachable: Bool
    public var peers: [CascadePeer]
    /// For origins this node cannot link with (two nodes behind firewalls), the reachable node
    /// to pull their publications through, by origin node id.
    public var intermediaries: [String: String]

    public init(reachable: Bool, peers: [CascadePeer], intermediaries: [String: String] = [:]) {
        self.reachable = reachable
        self.peers = peers
        self.intermediaries = intermediaries
    }
}

/// The node's cascade links: dialing and accepting their control channels, pulling
/// publications that originate on other nodes, and answering peers' pulls.
///
/// One link per peer node and worker (workers of every node in a deployment must be equal in
/// number: a room hashes to the same worker index everywhere). The dialer is this node when the
/// peer is reachable and we need something from it, or the peer when we are reachable and it is
/// not; an unreachable node keeps its links to reachable peers open even when idle (its "door"),
/// and every other link closes once it carries nothing.
public actor CascadeLinks {
    nonisolated let node: MediaNode
    nonisolated let keys: KeyService
    /// Read by the nonisolated `upgrade`; replaced when the deployment file changes.
    private let settings: Mutex<CascadeConfiguration>
    nonisolated var configuration: CascadeConfiguration { settings.withLock { $0 } }
    let logger: Logger

    private struct ChannelKey: Hashable {
        var peer: String
        var worker: Int
    }

    private struct PullKey: Hashable {
        var worker: Int
        var room: String
        var resource: String
    }

    private var channels: [ChannelKey: LinkChannel] = [:]
    private var dialing: [ChannelKey: Task<LinkChannel, any Error>] = [:]
    private var transportSetups: [ChannelKey: Task<Void, any Error>] = [:]
    private var pulls: [PullKey: Task<Void, any Error>] = [:]
    /// An unreachable node's standing links, by peer id.
    private var doorTasks: [String: [Task<Void, Never>]] = [:]

    public static let path = "/v1/cascade/link"
    /// How long an empty link lingers before its transport (and socket) close, so a
    /// subscriber that leaves and comes back does not rebuild it.
    static let emptyLingerSeconds = 2.0

    public init(node: MediaNode, keys: KeyService, configuration: CascadeConfiguration, logger: Logger) {
        self.node = node
        self.keys = keys
        self.settings = Mutex(configuration)
        self.logger = logger
    }

    /// Hooks the workers' relay events up, and opens the doors of an unreachable node.
    public func start() async {
        for worker in node.workers {
            let index = worker.index
            try? await worker.loop.submit { [self] in
                worker.cascadeEvents = { event in Task { await self.workerEvent(event, worker: index) } }
            }.get()
        }
        openDoors()
    }

    /// An unreachable node keeps a link open to every reachable peer (and only to those).
    private func openDoors() {
        let configuration = self.configuration
        let wanted = configuration.reachable ? [] : configuration.peers.filter { $0.reachable && $0.url != nil }
        for (peer, tasks) in doorTasks where !wanted.contains(where: { $0.id == peer }) {
            for task in tasks { task.cancel() }
            doorTasks[peer] = nil
        }
        for peer in wanted where doorTasks[peer.id] == nil {
            doorTasks[peer.id] = node.workers.indices.map { worker in
                Task { await self.keepDoorOpen(to: peer, worker: worker) }
            }
        }
    }

    /// The deployment file changed: links to nodes that left are closed, doors to new reachable
    /// nodes open, and new nodes may dial in.
    public func update(_ configuration: CascadeConfiguration) async {
        let old = settings.withLock { state in
            defer { state = configuration }
            return state
        }
        for peer in old.peers where !configuration.peers.contains(where: { $0.id == peer.id }) {
            for (key, channel) in channels where key.peer == peer.id { await channel.closeSocket() }
        }
        // A peer whose URL changed is dialed again at its new address.
        for peer in configuration.peers {
            if let before = old.peers.first(where: { $0.id == peer.id }), before != peer {
                doorTasks[peer.id]?.forEach { $0.cancel() }
                doorTasks[peer.id] = nil
            }
        }
        openDoors()
        logger.notice("cascade peers updated", metadata: ["peers": "\(configuration.peers.map(\.id))"])
    }

    public func shutdown() async {
        for task in doorTasks.values.flatMap({ $0 }) { task.cancel() }
        doorTasks.removeAll()
        for channel in channels.values { await channel.closeSocket() }
        channels.removeAll()
    }

    // MARK: - Pulling (called by MediaNode.subscribe)

    /// Makes `resourceID`, which originates on another node, available in `room` on this node's
    /// worker, pulling it over the link to its origin if it is not here yet.
    func ensureRelay(room: String, resourceID: ResourceID, worker: MediaWorker, path: [String] = []) async throws(MediaError) {
        let resource = resourceID.description
        if try await worker.run({ worker throws(MediaError) in worker.hasPublication(room: room, resource: resource) }) { return }
        let key = PullKey(worker: worker.index, room: room, resource: resource)
        let task: Task<Void, any Error>
        if let running = pulls[key] {
            task = running
        } else {
            task = Task { try await self.pull(room: room, resourceID: resourceID, worker: worker, path: path) }
            pulls[key] = task
        }
        defer { if pulls[key] == task { pulls[key] = nil } }
        try await Self.value(of: task, failure: "pulling '\(resource)' failed")
    }

    /// A shared task's result, with any error as a `MediaError`.
    private static func value<T: Sendable>(of task: Task<T, any Error>, failure: String) async throws(MediaError) -> T {
        do {
            return try await task.value
        } catch let error as MediaError {
            throw error
        } catch {
            throw .internalFailure("\(failure): \(error)")
        }
    }

    /// Asks the origin — or, when this node cannot link with it, the intermediary the deployment
    /// gives for it — to send the publication over the link.
    private func pull(room: String, resourceID: ResourceID, worker: MediaWorker, path: [String]) async throws(MediaError) {
        let peer = configuration.intermediaries[resourceID.node] ?? resourceID.node
        let channel = try await channel(to: peer, worker: worker.index)
        if channel.isDialer { try await ensureTransport(on: channel, worker: worker) }
        var message = LinkMessage(.pull)
        message.room = room
        message.resource = resourceID.description
        message.path = path + [node.configuration.nodeID]
        let answer = try await channel.request(message)
        guard let description = answer.publication else {
            throw .internalFailure("node '\(peer)' answered a pull without the publication")
        }
        let resource = resourceID.description
        try await worker.run { worker throws(MediaError) in
            try worker.addIncomingRelay(peer: peer, room: room, resource: resource, description: description)
        }
    }

    /// The open channel to `peer` for `worker`, dialing it when the peer is reachable.
    private func channel(to peerID: String, worker: Int) async throws(MediaError) -> LinkChannel {
        let key = ChannelKey(peer: peerID, worker: worker)
        if let channel = channels[key], !(await channel.isClosed) { return channel }
        guard let peer = configuration.peers.first(where: { $0.id == peerID }) else {
            throw .notFound("node '\(peerID)' is not a node this one may link with")
        }
        guard peer.reachable, let url = peer.url else {
            throw .notFound("node '\(peerID)' is not reachable from here and has no link open to this node")
        }
        let task: Task<LinkChannel, any Error>
        if let running = dialing[key] {
            task = running
        } else {
            task = Task { try await self.dial(peer: peerID, url: url, worker: worker) }
            dialing[key] = task
        }
        defer { if dialing[key] == task { dialing[key] = nil } }
        do {
            return try await Self.value(of: task, failure: "could not link to node '\(peerID)' at \(url)")
        } catch {
            // Both nodes dialed each other at once and the peer kept its own dial (see
            // `refusesIncoming`): use the channel it opened to us.
            for _ in 0..<30 {
                if let channel = channels[key], !(await channel.isClosed) { return channel }
                try? await Task.sleep(for: .milliseconds(100))
            }
            throw error
        }
    }

    /// Two reachable nodes that need each other at the same moment dial each other at once;
    /// one link must survive (one transport per pair). The node with the smaller id keeps the
    /// link it dialed and refuses the other's; the other accepts and drops its own dial.
    private func refusesIncoming(from peer: String, worker: Int) async -> Bool {
        let key = ChannelKey(peer: peer, worker: worker)
        let ownOpen: Bool
        if let channel = channels[key], channel.isDialer { ownOpen = !(await channel.isClosed) } else { ownOpen = false }
        return (ownOpen || dialing[key] != nil) && node.configuration.nodeID < peer
    }

    // MARK: - Dialing

    private func dial(peer: String, url: String, worker: Int) async throws -> LinkChannel {
        let token = try await keys.sign(.service(apiKey: keys.apiKey, identity: "node:\(node.configuration.nodeID)",
                                                 expiresAt: Date().addingTimeInterval(300)))
        let wsURL = WebSocketAddress.url(forHTTP: url) + Self.path
            + "?node=\(node.configuration.nodeID)&worker=\(worker)&workers=\(node.workers.count)"
        let logger = self.logger
        let connected = OnceContinuation<LinkChannel>()
        return try await withCheckedThrowingContinuation { continuation in
            connected.set(continuation)
            Task {
                do {
                    try await WebSocketClient.connect(
                        url: wsURL,
                        configuration: .init(maxFrameSize: LinkChannel.maxMessageBytes,
                                             additionalHeaders: [.authorization: "Bearer \(token)"],
                                             autoPing: .enabled(timePeriod: UplinkWire.pingInterval)),
                        logger: logger
                    ) { inbound, outbound, _ in
                        let channel = LinkChannel(peerNode: peer, worker: worker, isDialer: true, outbound: outbound, logger: logger)
                        await self.register(channel)
                        connected.resume(.success(channel))
                        await self.serve(channel, inbound: inbound)
                    }
                    connected.resume(.failure(MediaError.internalFailure("node '\(peer)' closed the link at once")))
                } catch {
                    connected.resume(.failure(error))
                }
            }
        }
    }

    /// An unreachable node's standing link to a reachable peer: redialed while the node runs.
    private func keepDoorOpen(to peer: CascadePeer, worker: Int) async {
        guard let url = peer.url else { return }
        var delay = 0.5
        while !Task.isCancelled {
            let key = ChannelKey(peer: peer.id, worker: worker)
            if let channel = channels[key], !(await channel.isClosed) {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                _ = try await dial(peer: peer.id, url: url, worker: worker)
                logger.info("cascade link open", metadata: ["peer_node": "\(peer.id)", "worker": "\(worker)"])
                delay = 0.5
            } catch {
                logger.notice("cascade link to peer failed; retrying", metadata: [
                    "peer_node": "\(peer.id)", "error": "\(error)", "retry_seconds": "\(delay)",
                ])
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }

    // MARK: - Accepting

    /// For the HTTP server's WebSocket upgrade: the handler of `GET /v1/cascade/link` when the
    /// request carries a valid node token from a peer this node may link with; nil otherwise
    /// (the router then answers it with an error).
    public nonisolated func upgrade(_ request: HTTPRequest) async -> (@Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void)? {
        guard let path = request.path, let query = WebSocketAddress.query(of: path, at: Self.path) else { return nil }
        guard let peer = query["node"], configuration.peers.contains(where: { $0.id == peer }),
              let worker = query["worker"].flatMap(Int.init), node.workers.indices.contains(worker),
              query["workers"].flatMap(Int.init) == node.workers.count
        else { return nil }
        do {
            let token = try await keys.verify(KeyService.bearerToken(fromAuthorization: request.headerFields[.authorization]))
            try token.authorizeService()
        } catch {
            logger.warning("cascade link refused: bad node token", metadata: ["peer_node": "\(peer)", "error": "\(error)"])
            return nil
        }
        if await refusesIncoming(from: peer, worker: worker) {
            logger.info("cascade link from peer refused: this node's own link to it wins", metadata: ["peer_node": "\(peer)"])
            return nil
        }
        return { [self] inbound, outbound in
            let channel = LinkChannel(peerNode: peer, worker: worker, isDialer: false, outbound: outbound, logger: logger)
            await register(channel)
            logger.info("cascade link accepted", metadata: ["peer_node": "\(peer)", "worker": "\(worker)"])
            await serve(channel, inbound: inbound)
        }
    }

    // MARK: - Channel lifetime

    private func register(_ channel: LinkChannel) {
        channels[ChannelKey(peer: channel.peerNode, worker: channel.worker)] = channel
    }

    private func serve(_ channel: LinkChannel, inbound: WebSocketInboundStream) async {
        await channel.run(inbound) { message in await self.handle(message, on: channel) }
        await channelEnded(channel)
    }

    private func channelEnded(_ channel: LinkChannel) async {
        let key = ChannelKey(peer: channel.peerNode, worker: channel.worker)
        guard channels[key] === channel else { return }
        channels[key] = nil
        logger.info("cascade link closed", metadata: ["peer_node": "\(channel.peerNode)", "worker": "\(channel.worker)"])
        let peer = channel.peerNode
        try? await node.workers[channel.worker].run { worker throws(MediaError) in worker.linkLost(peer: peer) }
    }

    // MARK: - Requests from the peer

    private func handle(_ message: LinkMessage, on channel: LinkChannel) async -> LinkMessage? {
        let worker = node.workers[channel.worker]
        let peer = channel.peerNode
        do throws(MediaError) {
            switch message.type {
            case .transportOffer:
                guard !channel.isDialer, let offer = message.ice else { return .error("unexpected transport.offer", re: nil) }
                let ice = try await worker.run { worker throws(MediaError) in try worker.acceptTransport(peer: peer, offer: offer) }
                var answer = LinkMessage(.transportAnswer)
                answer.ice = ice
                return answer
            case .pull:
                guard let room = message.room, let resource = message.resource, let resourceID = ResourceID(resource) else {
                    return .error("pull needs room and resource", re: nil)
                }
                if resourceID.node != node.configuration.nodeID {
                    // An intermediary: get it from its origin first (or from our own
                    // intermediary), unless the request already passed through here.
                    let path = message.path ?? [peer]
                    guard !path.contains(node.configuration.nodeID) else {
                        return .error("pull of '\(resource)' loops through node '\(node.configuration.nodeID)' (path \(path))", re: nil)
                    }
                    try await ensureRelay(room: room, resourceID: resourceID, worker: worker, path: path)
                }
                if channel.isDialer { try await ensureTransport(on: channel, worker: worker) }
                let description = try await worker.run { worker throws(MediaError) in
                    try worker.addOutgoingRelay(peer: peer, room: room, resource: resource)
                }
                var answer = LinkMessage(.tracks)
                answer.publication = description
                return answer
            case .stop:
                guard let room = message.room, let resource = message.resource else { return .error("stop needs room and resource", re: nil) }
                try await worker.run { worker throws(MediaError) in worker.removeOutgoingRelay(peer: peer, room: room, resource: resource) }
                return LinkMessage(.ok)
            case .ended:
                guard let room = message.room, let resource = message.resource else { return .error("ended needs room and resource", re: nil) }
                try await worker.run { worker throws(MediaError) in worker.endIncomingRelay(peer: peer, room: room, resource: resource) }
                return LinkMessage(.ok)
            case .transportAnswer, .tracks, .error, .ok:
                return .error("'\(message.type.rawValue)' is an answer, not a request", re: nil)
            }
        } catch {
            return .error(error.description, re: nil)
        }
    }

    /// The dialer starts the media transport the first time the link must carry something.
    private func ensureTransport(on channel: LinkChannel, worker: MediaWorker) async throws(MediaError) {
        let peer = channel.peerNode
        let hasTransport = try await worker.run { worker throws(MediaError) in worker.links[peer]?.transport != nil }
        if hasTransport { return }
        let key = ChannelKey(peer: peer, worker: worker.index)
        let task: Task<Void, any Error>
        if let running = transportSetups[key] {
            task = running
        } else {
            task = Task {
                let ours = try await worker.loop.flatSubmit { worker.prepareDialedTransport(peer: peer) }.get()
                var offer = LinkMessage(.transportOffer)
                offer.ice = ours
                let answer = try await channel.request(offer)
                guard let theirs = answer.ice else { throw MediaError.internalFailure("transport.answer without ICE parameters") }
                try await worker.run { worker throws(MediaError) in try worker.startDialedTransport(peer: peer, answer: theirs) }
            }
            transportSetups[key] = task
        }
        defer { if transportSetups[key] == task { transportSetups[key] = nil } }
        try await Self.value(of: task, failure: "could not start the link transport to '\(peer)'")
    }

    // MARK: - Events from the workers

    private func workerEvent(_ event: CascadeEvent, worker index: Int) async {
        switch event {
        case .released(let peer, let room, let resource):
            guard let channel = channels[ChannelKey(peer: peer, worker: index)] else { return }
            var message = LinkMessage(.stop)
            message.room = room
            message.resource = resource
            _ = try? await channel.request(message)
        case .ended(let peer, let room, let resource):
            guard let channel = channels[ChannelKey(peer: peer, worker: index)] else { return }
            var message = LinkMessage(.ended)
            message.room = room
            message.resource = resource
            _ = try? await channel.request(message)
        case .transportLost(let peer):
            let key = ChannelKey(peer: peer, worker: index)
            guard let channel = channels[key], channel.isDialer else { return }
            var delay = 0.5
            while channels[key] === channel, !(await channel.isClosed) {
                do {
                    try await ensureTransport(on: channel, worker: node.workers[index])
                    logger.notice("cascade link transport set up again", metadata: ["peer_node": "\(peer)"])
                    return
                } catch {
                    logger.notice("cascade link transport could not be set up again; retrying", metadata: [
                        "peer_node": "\(peer)", "error": "\(error)",
                    ])
                    try? await Task.sleep(for: .seconds(delay))
                    delay = min(delay * 2, 5)
                }
            }
        case .linkEmpty(let peer):
            let key = ChannelKey(peer: peer, worker: index)
            guard let channel = channels[key], channel.isDialer else { return }
            try? await Task.sleep(for: .seconds(Self.emptyLingerSeconds))
            let worker = node.workers[index]
            let stillEmpty = (try? await worker.run { worker throws(MediaError) -> Bool in
                guard let link = worker.links[peer] else { return true }
                guard link.isEmpty else { return false }
                worker.closeLinkTransport(peer: peer)
                return true
            }) ?? true
            guard stillEmpty, channels[key] === channel else { return }
            // A door stays open (the peer may pull again); other links close when idle.
            let isDoor = !configuration.reachable
            if !isDoor { await channel.closeSocket() }
        }
    }
}

/// Resumes a continuation once, from whichever path gets there first.
final class OnceContinuation<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, any Error>?, result: Result<Value, any Error>?)>((nil, nil))

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let ready: Result<Value, any Error>? = state.withLock { state in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func resume(_ result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
            if case .some = state.result { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}

extension CascadeLinks {
    /// HTTP/1.1 with the WebSocket upgrade of `GET /v1/cascade/link` (a media node alone).
    public nonisolated func httpServer() -> HTTPServerBuilder {
        let webSocket = WebSocketServerConfiguration(maxFrameSize: LinkChannel.maxMessageBytes,
                                                     autoPing: .enabled(timePeriod: UplinkWire.pingInterval), closeTimeout: .seconds(2))
        return .http1WebSocketUpgrade(configuration: .init(ws: webSocket)) { [self] request, _, _ in
            guard let handler = await upgrade(request) else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in await handler(inbound, outbound) }
        }
    }

    /// `GET /v1/cascade/link` that was not upgraded: no valid node token, or not a peer.
    public nonisolated func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(Self.path)) { _, _ -> Response in
            throw APIError(.unauthorized, code: "link_refused", reason: "cascade links need a WebSocket upgrade with a valid node token, from a node this one may link with (docs/deploy.md)")
        }
    }
}
