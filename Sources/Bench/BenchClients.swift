import Auth
import DTLS
import Foundation
import MediaServer
import NIOCore
import NIOPosix

/// One WHEP session to set up: on which node, which publication, and the group its delays and
/// counters are reported in (e.g. 0 = direct, 1 = relayed).
struct SubscribeJob: Sendable {
    var http: NodeHTTP
    var resource: String
    var group: Int
}

/// The load generator's counters at one instant, for window deltas.
struct ClientSnapshot {
    var publisherPackets: UInt64
    var keyframeRequests: Int
    /// group → subscriber → SSRC → counters.
    var subscribers: [Int: [ObjectIdentifier: [UInt32: (received: UInt64, expected: Int64)]]]
}

/// Packets the subscribers of one group should have received and did receive in a window.
struct ReceiveCounts: Sendable {
    var expected: Int64 = 0
    var received: Int64 = 0
    var lost: Int64 { max(expected - received, 0) }
    var lossPercent: Double { expected > 0 ? Double(lost) * 100 / Double(expected) : 0 }
}

/// The client side every benchmark shares: publishers on one event loop, subscribers on
/// `clientThreads` loops, WHIP/WHEP set-up against any node, and the delay histograms and
/// receive counters of the subscribers, by group.
///
/// `@unchecked Sendable`: the stored properties are set in `init`; the peers and their statistics
/// live on their loops and are reached through `loop.submit`.
final class BenchClients: @unchecked Sendable {
    static let connectTimeoutNanos: Int64 = 15_000_000_000

    let room: String
    let videoBitrateBps: Int
    let decryptEvery: Int
    let groups: Int
    let publisherDriver: LoopDriver
    let subscriberDrivers: [LoopDriver]
    private let authorization: [(String, String)]
    private let publisherGroup: MultiThreadedEventLoopGroup
    private let subscriberGroup: MultiThreadedEventLoopGroup
    private let publisherCertificate: DTLSCertificate
    private let certificates: [ObjectIdentifier: DTLSCertificate]
    /// driver → one statistics object per group.
    private let delayStats: [ObjectIdentifier: [LoopDelayStats]]
    private var nextDriver = 0

    /// A participant token (publish and subscribe in `room`) signed with the key pair every
    /// server under test is given.
    static func token(apiKey: String, apiSecret: String, room: String) async throws -> String {
        let keys = try await KeyService(apiKey: apiKey, apiSecret: apiSecret)
        return try await keys.sign(AccessToken(
            apiKey: apiKey, identity: "bench", room: room, grants: Grants(publish: true, subscribe: true),
            expiresAt: Date().addingTimeInterval(3600)))
    }

    /// A service token (every room, admin) signed with the same key pair, for `/metrics`.
    static func serviceToken(apiKey: String, apiSecret: String) async throws -> String {
        let keys = try await KeyService(apiKey: apiKey, apiSecret: apiSecret)
        return try await keys.sign(.service(apiKey: apiKey, identity: "bench", expiresAt: Date().addingTimeInterval(3600)))
    }

    init(token: String, room: String, clientThreads: Int, videoBitrateBps: Int, decryptEvery: Int, groups: Int) throws {
        self.room = room
        self.videoBitrateBps = videoBitrateBps
        self.decryptEvery = decryptEvery
        self.groups = groups
        authorization = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/sdp")]
        publisherGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        subscriberGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(clientThreads, 1))
        publisherDriver = LoopDriver(loop: publisherGroup.next(), tickMillis: 2)
        var drivers: [LoopDriver] = []
        var certificates: [ObjectIdentifier: DTLSCertificate] = [:]
        var delayStats: [ObjectIdentifier: [LoopDelayStats]] = [:]
        for loop in subscriberGroup.makeIterator() {
            // Subscribers only need timers for ICE consent and DTLS retransmission (≥ 100 ms).
            let driver = LoopDriver(loop: loop, tickMillis: 50)
            drivers.append(driver)
            certificates[ObjectIdentifier(driver)] = try DTLSCertificate.generateSelfSigned(commonName: "cascade-bench")
            delayStats[ObjectIdentifier(driver)] = (0..<groups).map { LoopDelayStats(group: $0) }
        }
        subscriberDrivers = drivers
        self.certificates = certificates
        self.delayStats = delayStats
        publisherCertificate = try DTLSCertificate.generateSelfSigned(commonName: "cascade-bench")
    }

    /// Publishes one synthetic video + audio source over WHIP to `http`'s node, waits until it is
    /// connected, and returns its resource id.
    func publish(http: NodeHTTP) async throws -> String {
        let publisher = BenchPublisher(loop: publisherDriver.loop, certificate: publisherCertificate,
                                       videoBitrateBps: videoBitrateBps)
        let offer = try await publisher.prepare(direction: .sendonly, outgoingTracks: publisher.outgoingTracks).get()
        let response = try await http.request(.POST, "/whip/\(room)", headers: authorization, body: Array(offer.utf8))
        guard response.status == 201, let location = response.header("location"),
              let resource = location.split(separator: "/").last.map(String.init) else {
            throw BenchError.http("WHIP POST to port \(http.port): \(response.status) \(response.bodyText)")
        }
        try await publisherDriver.add(publisher).get()
        try await publisher.accept(answer: response.bodyText, timeoutNanos: Self.connectTimeoutNanos).get()
        return resource
    }

    /// Sets up one WHEP subscriber per job, `concurrency` at a time, spread over the subscriber
    /// loops; returns when all are connected.
    func subscribe(_ jobs: [SubscribeJob], concurrency: Int) async throws {
        var assigned: [(job: SubscribeJob, driver: LoopDriver)] = []
        for job in jobs {
            assigned.append((job, subscriberDrivers[nextDriver % subscriberDrivers.count]))
            nextDriver += 1
        }
        let authorization = authorization
        let room = room
        let decryptEvery = decryptEvery
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func addJob() {
                guard next < assigned.count else { return }
                let (job, driver) = assigned[next]
                next += 1
                let certificate = certificates[ObjectIdentifier(driver)]!
                let stats = delayStats[ObjectIdentifier(driver)]![job.group]
                group.addTask {
                    let subscriber = BenchSubscriber(loop: driver.loop, certificate: certificate, delayStats: stats,
                                                     decryptEvery: decryptEvery)
                    let offer = try await subscriber.prepare(direction: .recvonly, outgoingTracks: [:]).get()
                    let response = try await job.http.request(.POST, "/whep/\(room)/\(job.resource)",
                                                              headers: authorization, body: Array(offer.utf8))
                    guard response.status == 201 else {
                        throw BenchError.http("WHEP POST to port \(job.http.port): \(response.status) \(response.bodyText)")
                    }
                    try await driver.add(subscriber).get()
                    try await subscriber.accept(answer: response.bodyText, timeoutNanos: Self.connectTimeoutNanos).get()
                }
            }
            for _ in 0..<max(concurrency, 1) { addJob() }
            while try await group.next() != nil { addJob() }
        }
    }

    /// Clears the delay histograms and starts recording.
    func startMeasuring() async throws {
        for driver in subscriberDrivers {
            let stats = delayStats[ObjectIdentifier(driver)]!
            try await driver.loop.submit {
                for group in stats {
                    group.histogram = DelayHistogram()
                    group.measuring = true
                }
            }.get()
        }
    }

    /// Stops recording and returns one merged histogram per group.
    func stopMeasuring() async throws -> [DelayHistogram] {
        var histograms = [DelayHistogram](repeating: DelayHistogram(), count: groups)
        for driver in subscriberDrivers {
            let stats = delayStats[ObjectIdentifier(driver)]!
            let parts = try await driver.loop.submit {
                stats.map { group in
                    group.measuring = false
                    return group.histogram
                }
            }.get()
            for (index, part) in parts.enumerated() { histograms[index].merge(part) }
        }
        return histograms
    }

    func snapshot() async throws -> ClientSnapshot {
        let publisherCounts = try await publisherDriver.withPeers(of: BenchPublisher.self) { publishers in
            (publishers.reduce(UInt64(0)) { $0 + $1.videoPacketsSent + $1.audioPacketsSent },
             publishers.reduce(0) { $0 + $1.keyframeRequests })
        }.get()
        var subscribers: [Int: [ObjectIdentifier: [UInt32: (received: UInt64, expected: Int64)]]] = [:]
        for driver in subscriberDrivers {
            let part = try await driver.withPeers(of: BenchSubscriber.self) { subscribers in
                subscribers.map { ($0.delayStats.group, ObjectIdentifier($0), $0.snapshot()) }
            }.get()
            for (group, id, snapshot) in part { subscribers[group, default: [:]][id] = snapshot.streams }
        }
        return ClientSnapshot(publisherPackets: publisherCounts.0, keyframeRequests: publisherCounts.1,
                              subscribers: subscribers)
    }

    /// What the subscribers of `group` should have received between two snapshots (from the
    /// sequence numbers) and what they did receive.
    static func receiveCounts(from start: ClientSnapshot, to end: ClientSnapshot, group: Int) -> ReceiveCounts {
        var counts = ReceiveCounts()
        let before = start.subscribers[group] ?? [:]
        for (id, streams) in end.subscribers[group] ?? [:] {
            for (ssrc, now) in streams {
                let then = before[id]?[ssrc] ?? (0, 0)
                counts.expected += now.expected - then.expected
                counts.received += Int64(now.received) - Int64(then.received)
            }
        }
        return counts
    }

    /// Closes every peer and stops the event loops.
    func shutdown() async {
        for driver in [publisherDriver] + subscriberDrivers { try? await driver.stop().get() }
        try? await subscriberGroup.shutdownGracefully()
        try? await publisherGroup.shutdownGracefully()
    }
}
