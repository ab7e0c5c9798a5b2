import Auth
import Cascade
import Foundation
import HTTPGuard
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import MediaAPI
import NIOCore
import Synchronization

/// A node's cascade links, coordinated: which link to use for a pull (`RoutingPlan`), dialing
/// (`LinkDialer`) and accepting (`LinkAcceptor`) their control channels, the requests that cross
/// them, and the events the workers report about relays (in order, from one stream).
///
/// One link per peer node and worker index. An unreachable node keeps a link open to every
/// reachable peer (its "door"); every other link closes once it has carried nothing for a while.
public actor CascadeLinks {
    /// An event of one worker's relays.
    public struct WorkerEvent: Sendable {
        let worker: Int
        let event: CascadeEvent
    }

    private struct ChannelKey: Hashable {
        var peer: String
        var worker: Int
    }

    private struct PullKey: Hashable {
        var worker: Int
        var room: String
        var resource: String
    }

    nonisolated let node: MediaNode
    /// Read by the nonisolated `upgrade`; replaced when the deployment file changes.
    private let settings: Mutex<RoutingPlan>
    nonisolated var plan: RoutingPlan { settings.withLock { $0 } }
    private let dialer: LinkDialer
    private let acceptor: LinkAcceptor
    let logger: Logger

    private var channels: [ChannelKey: LinkChannel] = [:]
    private var dialing: [ChannelKey: Task<LinkChannel, any Error>] = [:]
    /// Callers waiting for a peer's own dial to arrive, after our crossed dial was refused.
    private var channelWaiters: [ChannelKey: [CheckedContinuation<LinkChannel?, Never>]] = [:]
    private var transportSetups: [ChannelKey: Task<Void, any Error>] = [:]
    private var transportRepairs: [ChannelKey: Task<Void, Never>] = [:]
    private var pulls: [PullKey: Task<Void, any Error>] = [:]
    /// An unreachable node's standing links, by peer id.
    private var doorTasks: [String: [Task<Void, Never>]] = [:]
    private var eventsTask: Task<Void, Never>?

    /// How long a node whose dial lost the crossing waits for the peer's dial to arrive.
    static let crossedDialWait = Duration.seconds(3)

    public init(node: MediaNode, keys: KeyService, plan: RoutingPlan, logger: Logger) {
        self.node = node
        self.settings = Mutex(plan)
        self.dialer = LinkDialer(node: node.configuration.nodeID, workers: node.workers.count, keys: keys, logger: logger)
        self.acceptor = LinkAcceptor(workers: node.workers.count, keys: keys)
        self.logger = logger
    }

    /// Connects the workers' relay events (one stream, read in order), and opens the doors of
    /// an unreachable node.
    public func start() async {
        let (events, sink) = AsyncStream.makeStream(of: WorkerEvent.self, bufferingPolicy: .unbounded)
        for worker in node.workers {
            try? await worker.loop.submit { worker.cascadeEvents = sink }.get()
        }
        eventsTask = Task { [weak self] in
            for await event in events { await self?.handle(event) }
        }
        openDoors()
    }

    /// The deployment file changed: links to nodes that left are closed, doors to new reachable
    /// nodes open, and new nodes may dial in.
    public func update(_ plan: RoutingPlan) async {
        let old = settings.withLock { state in
            defer { state = plan }
            return state
        }
        for peer in old.peers where plan.peer(peer.id) == nil {
            for (key, channel) in channels where key.peer == peer.id { await channel.closeSocket() }
        }
        // A peer whose URL changed is dialed again at its new address.
        for peer in plan.peers where old.peer(peer.id).map({ $0 != peer }) ?? false {
            doorTasks.removeValue(forKey: peer.id)?.forEach { $0.cancel() }
        }
        openDoors()
        logger.notice("cascade peers updated", metadata: ["peers": "\(plan.peers.map(\.id))"])
    }

    public func shutdown() async {
        eventsTask?.cancel()
        for task in doorTasks.values.flatMap({ $0 }) { task.cancel() }
        doorTasks.removeAll()
        for task in transportRepairs.values { task.cancel() }
        for channel in channels.values { await channel.closeSocket() }
        channels.removeAll()
    }

    // MARK: - Pulling (called by MediaNode.subscribe)

    /// Makes `resourceID`, which originates on another node, available in `room` on `worker`,
    /// pulling it over the link toward its origin if it is not here yet.
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

    /// Asks the next hop toward the origin (the origin, or the intermediary between us) to send
    /// the publication over the link.
    private func pull(room: String, resourceID: ResourceID, worker: MediaWorker, path: [String]) async throws(MediaError) {
        let peer = plan.nextHop(toOrigin: resourceID.node)
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

    // MARK: - Channels

    /// The open channel to `peer` for `worker`, dialing it when the peer is reachable.
    private func channel(to peerID: String, worker: Int) async throws(MediaError) -> LinkChannel {
        let key = ChannelKey(peer: peerID, worker: worker)
        if let channel = await openChannel(key) { return channel }
        guard let peer = plan.peer(peerID) else {
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
            // Both nodes dialed at once and the peer kept its own dial (`keepsOwnDial`): its
            // channel is on its way to us.
            guard !plan.keepsOwnDial(against: peerID), let theirs = await arrivingChannel(key) else { throw error }
            return theirs
        }
    }

    private func openChannel(_ key: ChannelKey) async -> LinkChannel? {
        guard let channel = channels[key], !(await channel.isClosed) else { return nil }
        return channel
    }

    /// The peer's channel for `key` once it registers, or nil after `crossedDialWait`.
    private func arrivingChannel(_ key: ChannelKey) async -> LinkChannel? {
        if let channel = await openChannel(key) { return channel }
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: Self.crossedDialWait)
            await self?.resumeWaiters(key, with: nil)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { channelWaiters[key, default: []].append($0) }
    }

    private func resumeWaiters(_ key: ChannelKey, with channel: LinkChannel?) {
        for waiter in channelWaiters.removeValue(forKey: key) ?? [] { waiter.resume(returning: channel) }
    }

    private func dial(peer: String, url: String, worker: Int) async throws -> LinkChannel {
        try await dialer.dial(peer: peer, url: url, worker: worker, opened: { channel in
            await self.register(channel)
        }, serve: { channel, inbound in
            await self.serve(channel, inbound: inbound)
        })
    }

    /// An unreachable node's standing link to a reachable peer: dialed again whenever it ends.
    private func keepDoorOpen(to peer: CascadePeer, worker: Int) async {
        var backoff = Backoff()
        while !Task.isCancelled {
            do throws(MediaError) {
                let channel = try await channel(to: peer.id, worker: worker)
                logger.info("cascade link open", metadata: ["peer_node": "\(peer.id)", "worker": "\(worker)"])
                backoff.reset()
                await channel.waitUntilClosed()
            } catch {
                let delay = backoff.next()
                logger.notice("cascade link to peer failed; retrying", metadata: [
                    "peer_node": "\(peer.id)", "error": "\(error)", "retry_seconds": "\(delay)",
                ])
                try? await Task.sleep(for: delay)
            }
        }
    }

    private func openDoors() {
        let wanted = plan.doors
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

    // MARK: - Accepting

    /// For the HTTP server's WebSocket upgrade: the handler of `GET /v1/cascade/link` when the
    /// acceptor admits the request and no crossed dial of ours wins over it; nil otherwise (the
    /// router then answers it with an error).
    public nonisolated func upgrade(_ request: HTTPRequest) async -> (@Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void)? {
        let peer: String
        let worker: Int
        switch await acceptor.admit(request, plan: plan) {
        case .refused(let reason):
            logger.warning("cascade link refused", metadata: ["reason": "\(reason)"])
            return nil
        case .admitted(let admittedPeer, let admittedWorker):
            (peer, worker) = (admittedPeer, admittedWorker)
        }
        if await refusesIncoming(from: peer, worker: worker) {
            logger.info("cascade link from peer refused: this node's own link to it wins", metadata: ["peer_node": "\(peer)"])
            return nil
        }
        return { [self] inbound, outbound in
            let channel = LinkChannel(peerNode: peer, worker: worker, isDialer: false, outbound: outbound, logger: logger)
            logger.info("cascade link accepted", metadata: ["peer_node": "\(peer)", "worker": "\(worker)"])
            await register(channel)
            await serve(channel, inbound: inbound)
        }
    }

    /// The crossed-dial rule from our side: we refuse the peer's dial while ours is open or on
    /// its way and the rule keeps ours.
    private func refusesIncoming(from peer: String, worker: Int) async -> Bool {
        guard plan.keepsOwnDial(against: peer) else { return false }
        let key = ChannelKey(peer: peer, worker: worker)
        if dialing[key] != nil { return true }
        if let channel = channels[key], channel.isDialer { return !(await channel.isClosed) }
        return false
    }

    // MARK: - Channel lifetime

    private func register(_ channel: LinkChannel) {
        let key = ChannelKey(peer: channel.peerNode, worker: channel.worker)
        channels[key] = channel
        resumeWaiters(key, with: channel)
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
                    if let refusal = plan.refusal(ofPullFrom: peer, origin: resourceID.node, path: path) {
                        return .error("pull of '\(resource)' refused: \(refusal)", re: nil)
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

    // MARK: - Events from the workers (in order)

    private func handle(_ report: WorkerEvent) async {
        let key: ChannelKey
        switch report.event {
        case .released(let peer, let room, let resource):
            key = ChannelKey(peer: peer, worker: report.worker)
            var message = LinkMessage(.stop)
            message.room = room
            message.resource = resource
            _ = try? await channels[key]?.request(message)
        case .ended(let peer, let room, let resource):
            key = ChannelKey(peer: peer, worker: report.worker)
            var message = LinkMessage(.ended)
            message.room = room
            message.resource = resource
            _ = try? await channels[key]?.request(message)
        case .transportLost(let peer):
            key = ChannelKey(peer: peer, worker: report.worker)
            guard let channel = channels[key], channel.isDialer, transportRepairs[key] == nil else { return }
            // Repaired in a task of its own: retries must not hold up the events behind this one.
            transportRepairs[key] = Task { await self.repairTransport(on: channel, key: key) }
        case .linkIdle(let peer):
            key = ChannelKey(peer: peer, worker: report.worker)
            guard let channel = channels[key], channel.isDialer else { return }
            let closed = (try? await node.workers[report.worker].run { worker throws(MediaError) -> Bool in
                worker.closeLinkTransport(peer: peer)
            }) ?? true
            // A door stays open (the peer may pull again); other links close when idle.
            guard closed, channels[key] === channel, plan.reachable else { return }
            await channel.closeSocket()
        }
    }

    /// ICE or DTLS of a link we dialed failed while it carries tracks (a WAN outage): set the
    /// transport up again, with back-off, while the channel lives.
    private func repairTransport(on channel: LinkChannel, key: ChannelKey) async {
        defer { transportRepairs[key] = nil }
        var backoff = Backoff()
        while channels[key] === channel, !(await channel.isClosed), !Task.isCancelled {
            do throws(MediaError) {
                try await ensureTransport(on: channel, worker: node.workers[key.worker])
                logger.notice("cascade link transport set up again", metadata: ["peer_node": "\(key.peer)"])
                return
            } catch {
                let delay = backoff.next()
                logger.notice("cascade link transport could not be set up again; retrying", metadata: [
                    "peer_node": "\(key.peer)", "error": "\(error)",
                ])
                try? await Task.sleep(for: delay)
            }
        }
    }
}

extension CascadeLinks {
    /// HTTP/1.1 with the WebSocket upgrade of `GET /v1/cascade/link` (a media node alone), within
    /// `limits`.
    public nonisolated func httpServer(limits: HTTPLimits = HTTPLimits()) -> HTTPServerBuilder {
        let webSocket = WebSocketServerConfiguration(maxFrameSize: LinkChannel.maxMessageBytes,
                                                     autoPing: .enabled(timePeriod: UplinkWire.pingInterval), closeTimeout: .seconds(2))
        return .guardedWebSocketUpgrade(limits: limits, webSocket: webSocket) { [self] request, _, _ in
            guard let handler = await upgrade(request) else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in await handler(inbound, outbound) }
        }
    }

    /// `GET /v1/cascade/link` that was not upgraded: no valid node token, or not a peer.
    public nonisolated func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(LinkDialer.path)) { _, _ -> Response in
            throw APIError(.unauthorized, code: "link_refused", reason: "cascade links need a WebSocket upgrade with a valid node token, from a node this one may link with (docs/deploy.md)")
        }
    }
}
