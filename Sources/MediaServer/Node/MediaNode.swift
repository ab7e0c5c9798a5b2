import CShims
import DTLS
import Logging
import MediaAPI
import NIOCore
import NIOPosix
import Synchronization

/// A media node: its workers (one event loop and one UDP port each) and the `MediaAPI` that
/// WHIP/WHEP and signaling call. Rooms are pinned to a worker by a stable hash of their name, so
/// every transport of a room shares one loop and forwarding needs no locks.
public final class MediaNode: MediaAPI {
    public let configuration: MediaNodeConfiguration
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let workers: [MediaWorker]
    /// One certificate per node; its fingerprint goes into every answer (RFC 8122 §5).
    let certificate: DTLSCertificate
    /// Counts sessions against `configuration.sessionLimits`.
    let admission: SessionAdmission
    /// Set when the node cascades: subscribing to another node's publication pulls it here.
    private let cascade = Mutex<CascadeLinks?>(nil)
    private let memoryTrim = Mutex<Task<Void, Never>?>(nil)

    public init(configuration: MediaNodeConfiguration, logger: Logger) throws {
        precondition(configuration.workers >= 1, "a media node needs at least one worker")
        self.configuration = configuration
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.workers)
        self.certificate = try DTLSCertificate.generateSelfSigned()
        let admission = SessionAdmission(limits: configuration.sessionLimits)
        self.admission = admission
        var loops = group.makeIterator()
        var workers: [MediaWorker] = []
        for index in 0..<configuration.workers {
            guard let loop = loops.next() else { break }
            workers.append(MediaWorker(index: index, loop: loop, configuration: configuration, admission: admission,
                                       logger: logger))
        }
        self.workers = workers
        for worker in workers { worker.certificate = certificate }
    }

    public func start() async throws {
        for worker in workers { try await worker.start() }
        let admission = admission
        let logger = logger
        memoryTrim.withLock { task in
            task = Task.detached(priority: .background) { await Self.trimMemory(admission: admission, logger: logger) }
        }
    }

    /// Gives memory back to the system after sessions end (`MemoryTrimPolicy`), off the
    /// workers' loops: a trim may hold malloc's locks for milliseconds.
    private static func trimMemory(admission: SessionAdmission, logger: Logger) async {
        var policy = MemoryTrimPolicy()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            let sessions = admission.total
            guard policy.shouldTrim(sessions: sessions, nowNanos: MonotonicClock.nowNanos) else { continue }
            let released = cshims_malloc_trim() == 1
            logger.debug("memory trimmed", metadata: ["sessions": "\(sessions)", "released": "\(released)"])
        }
    }

    /// Links this node to its peers (`cascade media` with a deployment file).
    public func enableCascading(_ links: CascadeLinks) async {
        cascade.withLock { $0 = links }
        await links.start()
    }

    public func shutdown() async {
        memoryTrim.withLock { $0?.cancel() }
        if let links = cascade.withLock({ $0 }) { await links.shutdown() }
        for worker in workers { await worker.shutdown() }
        try? await group.shutdownGracefully()
    }

    /// FNV-1a: stable across processes and restarts, unlike `Hasher`.
    func worker(forRoom room: String) -> MediaWorker {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in room.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return workers[Int(hash % UInt64(workers.count))]
    }

    // MARK: - MediaAPI

    public func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer {
        try await publish(request, clientAddress: nil)
    }

    /// A WHIP client's publish: its sessions also count against the per-address limit.
    public func publish(_ request: PublishRequest, clientAddress: String?) async throws(MediaError) -> SessionAnswer {
        let worker = worker(forRoom: request.room)
        return try await worker.run { worker throws(MediaError) in try worker.publish(request, clientAddress: clientAddress) }
    }

    public func unpublish(room: String, resourceID: ResourceID) async throws(MediaError) {
        let worker = worker(forRoom: room)
        try await worker.run { worker throws(MediaError) in try worker.unpublish(room: room, resourceID: resourceID) }
    }

    public func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer {
        try await subscribe(request, clientAddress: nil)
    }

    /// A WHEP client's subscribe: its sessions also count against the per-address limit.
    public func subscribe(_ request: SubscribeRequest, clientAddress: String?) async throws(MediaError) -> SessionAnswer {
        let worker = worker(forRoom: request.room)
        if request.resourceID.node != configuration.nodeID, let links = cascade.withLock({ $0 }) {
            try await links.ensureRelay(room: request.room, resourceID: request.resourceID, worker: worker)
        }
        return try await worker.run { worker throws(MediaError) in try worker.subscribe(request, clientAddress: clientAddress) }
    }

    public func unsubscribe(room: String, sessionID: String) async throws(MediaError) {
        let worker = worker(forRoom: room)
        try await worker.run { worker throws(MediaError) in try worker.unsubscribe(room: room, sessionID: sessionID) }
    }

    public func publications(room: String) async throws(MediaError) -> [PublicationInfo] {
        try await worker(forRoom: room).run { worker throws(MediaError) in worker.publications(room: room) }
    }

    public func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError) {
        try await worker(forRoom: room).run { worker throws(MediaError) in
            try worker.setPaused(room: room, sessionID: sessionID, kind: kind, paused: paused)
        }
    }

    public func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError) {
        try await worker(forRoom: room).run { worker throws(MediaError) in
            try worker.setForwarding(room: room, resourceID: resourceID, kind: kind, enabled: enabled)
        }
    }

    public func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport] {
        try await worker(forRoom: room).run { worker throws(MediaError) in worker.audioLevels(room: room) }
    }

    public func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer {
        try await worker(forRoom: request.room).run { worker throws(MediaError) in try worker.updateICE(request) }
    }

    public func sessionStats(room: String) async throws(MediaError) -> [SessionStats] {
        try await worker(forRoom: room).run { worker throws(MediaError) in worker.sessionStats(room: room) }
    }

    /// Who created a session of this node (not part of `MediaAPI`: signaling acts for
    /// everyone; only the node's own WHIP/WHEP routes check ownership).
    public func owner(ofSession id: String, room: String) async throws(MediaError) -> String? {
        try await worker(forRoom: room).run { worker throws(MediaError) in worker.owner(ofSession: id, room: room) }
    }
}

extension MediaWorker {
    /// Runs `body` on this worker's loop and carries its typed error back.
    func run<T: Sendable>(_ body: @escaping @Sendable (MediaWorker) throws(MediaError) -> T) async throws(MediaError) -> T {
        let result: Result<T, MediaError>
        do {
            result = try await loop.submit { [self] () -> Result<T, MediaError> in
                do throws(MediaError) { return .success(try body(self)) } catch { return .failure(error) }
            }.get()
        } catch {
            throw .internalFailure("worker \(index) is shut down")
        }
        return try result.get()
    }
}
