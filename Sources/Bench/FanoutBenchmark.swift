import Auth
import DTLS
import Foundation
import MediaServer
import NIOCore
import NIOPosix

/// `cascade bench fanout`: P publishers in one room, each watched by N subscribers (P × N WHEP
/// sessions), all built on the project's own client stack, against `cascade serve --workers 1`
/// running as a child process. See docs/benchmarks.md.
public struct FanoutOptions: Sendable, Codable {
    /// Subscribers per publisher.
    public var subscribers = 10
    public var publishers = 1
    public var durationSeconds = 10.0
    public var warmupSeconds = 3.0
    public var videoBitrateBps = 1_500_000
    /// Event loops (threads) for the subscribers.
    public var clientThreads = 1
    /// Subscribers decrypt one packet in this many (all are counted from the clear header).
    public var decryptEvery = 1
    /// WHEP sessions being set up at once.
    public var connectConcurrency = 16
    public var room = "bench"

    public init() {}
}

public struct FanoutResult: Sendable, Codable {
    public var date: String
    public var machine: String
    public var options: FanoutOptions
    public var subscriberSessions: Int
    public var connectSeconds: Double
    public var windowSeconds: Double
    /// Publisher packets sent per second (all publishers) × N: what should be forwarded.
    public var expectedForwardPerSecond: Double
    /// Server-side, from /metrics `cascade_rtp_forwarded_packets_total`.
    public var forwardedPerSecond: Double
    /// Client-side: packets the subscribers received.
    public var receivedPerSecond: Double
    public var serverCPUSecondsPerMillionPackets: Double
    /// Server CPU time / wall time (1.0 = one core busy).
    public var serverCPUCores: Double
    public var clientCPUCores: Double
    public var delayP50Micros: UInt64?
    public var delayP99Micros: UInt64?
    public var delayMaxMicros: UInt64
    public var delaySamples: UInt64
    public var lostPackets: Int64
    public var expectedPackets: Int64
    public var lossPercent: Double
    public var serverRSSBaselineKiB: Int
    public var serverRSSKiB: Int
    public var rssPerSubscriberKiB: Double
    /// Machine-wide /proc/net/snmp Udp RcvbufErrors during the window (kernel drops).
    public var udpReceiveBufferErrors: Int
    public var keyframeRequestsAtPublishers: Int
}

public enum FanoutBenchmark {
    public static func run(_ options: FanoutOptions, progress: @escaping @Sendable (String) -> Void) async throws -> FanoutResult {
        let pair = KeyService.generateDevelopmentPair()
        let keys = try await KeyService(apiKey: pair.apiKey, apiSecret: pair.apiSecret)
        let token = try await keys.sign(AccessToken(
            apiKey: pair.apiKey, identity: "bench", room: options.room, grants: Grants(publish: true, subscribe: true),
            expiresAt: Date().addingTimeInterval(3600)))

        let httpGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let publisherGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let subscriberGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(options.clientThreads, 1))
        let server = try ServerProcess(apiKey: pair.apiKey, apiSecret: pair.apiSecret, workers: 1)
        let http = SimpleHTTPClient(group: httpGroup, host: "127.0.0.1", port: server.httpPort)
        var drivers: [LoopDriver] = []
        func cleanUp() async {
            server.stop()
            for driver in drivers { try? await driver.stop().get() }
            try? await subscriberGroup.shutdownGracefully()
            try? await publisherGroup.shutdownGracefully()
            try? await httpGroup.shutdownGracefully()
        }
        do {
            let result = try await measure(options, server: server, http: http, token: token,
                                           subscriberGroup: subscriberGroup, publisherGroup: publisherGroup,
                                           drivers: &drivers, progress: progress)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    static func measure(_ options: FanoutOptions, server: ServerProcess, http: SimpleHTTPClient, token: String,
                        subscriberGroup: MultiThreadedEventLoopGroup, publisherGroup: MultiThreadedEventLoopGroup,
                        drivers: inout [LoopDriver],
                        progress: @escaping @Sendable (String) -> Void) async throws -> FanoutResult {
        try await server.start(http: http)
        progress("server pid \(server.pid) on http \(server.httpPort), media udp \(server.mediaPort); log \(server.logPath)")

        let publisherDriver = LoopDriver(loop: publisherGroup.next(), tickMillis: 2)
        drivers.append(publisherDriver)
        var subscriberDrivers: [LoopDriver] = []
        var certificates: [ObjectIdentifier: DTLSCertificate] = [:]
        for loop in subscriberGroup.makeIterator() {
            let driver = LoopDriver(loop: loop, tickMillis: 10)
            subscriberDrivers.append(driver)
            certificates[ObjectIdentifier(driver)] = try DTLSCertificate.generateSelfSigned(commonName: "cascade-bench")
        }
        drivers += subscriberDrivers
        let publisherCertificate = try DTLSCertificate.generateSelfSigned(commonName: "cascade-bench")
        let authorization = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/sdp")]
        let connectTimeout: Int64 = 15_000_000_000

        // Publishers.
        var publishers: [(publisher: BenchPublisher, resource: String)] = []
        for _ in 0..<options.publishers {
            let publisher = BenchPublisher(loop: publisherDriver.loop, certificate: publisherCertificate,
                                           videoBitrateBps: options.videoBitrateBps)
            let offer = try await publisher.prepare(direction: .sendonly, outgoingTracks: publisher.outgoingTracks).get()
            let response = try await http.request("POST", "/whip/\(options.room)", headers: authorization,
                                                  body: Array(offer.utf8))
            guard response.status == 201, let location = response.header("location"),
                  let resource = location.split(separator: "/").last.map(String.init) else {
                throw BenchError.http("WHIP POST: \(response.status) \(response.bodyText)")
            }
            try await publisherDriver.add(publisher).get()
            try await publisher.accept(answer: response.bodyText, timeoutNanos: connectTimeout).get()
            publishers.append((publisher, resource))
        }
        progress("\(options.publishers) publisher(s) connected")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let rssBaseline = ProcessStats.residentKiB(pid: server.pid) ?? 0

        // Subscribers: N per publisher, spread over the subscriber loops, a few set up at once.
        let connectStart = Date()
        var jobs: [(resource: String, driver: LoopDriver)] = []
        for (index, slot) in (0..<(options.publishers * options.subscribers)).enumerated() {
            let resource = publishers[slot / options.subscribers].resource
            jobs.append((resource, subscriberDrivers[index % subscriberDrivers.count]))
        }
        let delayStats = Dictionary(uniqueKeysWithValues: subscriberDrivers.map { (ObjectIdentifier($0), LoopDelayStats()) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func addJob() {
                guard next < jobs.count else { return }
                let job = jobs[next]
                next += 1
                let certificate = certificates[ObjectIdentifier(job.driver)]!
                let stats = delayStats[ObjectIdentifier(job.driver)]!
                group.addTask {
                    let subscriber = BenchSubscriber(loop: job.driver.loop, certificate: certificate, delayStats: stats,
                                                     decryptEvery: options.decryptEvery)
                    let offer = try await subscriber.prepare(direction: .recvonly, outgoingTracks: [:]).get()
                    let response = try await http.request("POST", "/whep/\(options.room)/\(job.resource)",
                                                          headers: authorization, body: Array(offer.utf8))
                    guard response.status == 201 else {
                        throw BenchError.http("WHEP POST: \(response.status) \(response.bodyText)")
                    }
                    try await job.driver.add(subscriber).get()
                    try await subscriber.accept(answer: response.bodyText, timeoutNanos: connectTimeout).get()
                }
            }
            for _ in 0..<max(options.connectConcurrency, 1) { addJob() }
            while try await group.next() != nil { addJob() }
        }
        let connectSeconds = Date().timeIntervalSince(connectStart)
        progress("\(jobs.count) subscriber(s) connected in \(String(format: "%.1f", connectSeconds)) s; warming up")
        try await Task.sleep(nanoseconds: UInt64(options.warmupSeconds * 1e9))

        // Measurement window.
        let start = try await snapshot(server: server, http: http, publisherDriver: publisherDriver,
                                       subscriberDrivers: subscriberDrivers)
        for driver in subscriberDrivers {
            let stats = delayStats[ObjectIdentifier(driver)]!
            try await driver.loop.submit {
                stats.histogram = DelayHistogram()
                stats.measuring = true
            }.get()
        }
        try await Task.sleep(nanoseconds: UInt64(options.durationSeconds * 1e9))
        var histogram = DelayHistogram()
        for driver in subscriberDrivers {
            let stats = delayStats[ObjectIdentifier(driver)]!
            let part = try await driver.loop.submit {
                stats.measuring = false
                return stats.histogram
            }.get()
            histogram.merge(part)
        }
        let end = try await snapshot(server: server, http: http, publisherDriver: publisherDriver,
                                     subscriberDrivers: subscriberDrivers)
        let rss = ProcessStats.residentKiB(pid: server.pid) ?? 0

        let window = end.time.timeIntervalSince(start.time)
        let forwarded = end.forwarded - start.forwarded
        var expected: Int64 = 0
        var received: Int64 = 0
        for (id, streams) in end.subscribers {
            let before = start.subscribers[id] ?? [:]
            for (ssrc, now) in streams {
                let then = before[ssrc] ?? (0, 0)
                expected += now.expected - then.expected
                received += Int64(now.received) - Int64(then.received)
            }
        }
        let lost = max(expected - received, 0)
        let serverCPU = end.serverCPU - start.serverCPU
        let published = Double(end.publisherPackets - start.publisherPackets)
        return FanoutResult(
            date: ISO8601DateFormatter().string(from: Date()), machine: ProcessStats.machineDescription(),
            options: options, subscriberSessions: jobs.count, connectSeconds: connectSeconds, windowSeconds: window,
            expectedForwardPerSecond: published * Double(options.subscribers) / window,
            forwardedPerSecond: forwarded / window, receivedPerSecond: Double(received) / window,
            serverCPUSecondsPerMillionPackets: forwarded > 0 ? serverCPU / (forwarded / 1e6) : 0,
            serverCPUCores: serverCPU / window, clientCPUCores: (end.clientCPU - start.clientCPU) / window,
            delayP50Micros: histogram.percentile(0.50), delayP99Micros: histogram.percentile(0.99),
            delayMaxMicros: histogram.maximumMicros, delaySamples: histogram.total,
            lostPackets: lost, expectedPackets: expected,
            lossPercent: expected > 0 ? Double(lost) * 100 / Double(expected) : 0,
            serverRSSBaselineKiB: rssBaseline, serverRSSKiB: rss,
            rssPerSubscriberKiB: jobs.isEmpty ? 0 : Double(rss - rssBaseline) / Double(jobs.count),
            udpReceiveBufferErrors: (end.udp["RcvbufErrors"] ?? 0) - (start.udp["RcvbufErrors"] ?? 0),
            keyframeRequestsAtPublishers: end.keyframeRequests)
    }

    struct Snapshot {
        var time: Date
        var serverCPU: Double
        var clientCPU: Double
        var forwarded: Double
        var udp: [String: Int]
        var publisherPackets: UInt64
        var keyframeRequests: Int
        var subscribers: [ObjectIdentifier: [UInt32: (received: UInt64, expected: Int64)]]
    }

    static func snapshot(server: ServerProcess, http: SimpleHTTPClient, publisherDriver: LoopDriver,
                         subscriberDrivers: [LoopDriver]) async throws -> Snapshot {
        let metrics = try await http.request("GET", "/metrics")
        let forwarded = ServerProcess.parseMetrics(metrics.bodyText)["cascade_rtp_forwarded_packets_total"] ?? 0
        let time = Date()
        let serverCPU = ProcessStats.cpuSeconds(pid: server.pid) ?? 0
        let clientCPU = ProcessStats.selfCPUSeconds()
        let udp = ProcessStats.udpCounters()
        let publisherCounts = try await publisherDriver.withPeers(of: BenchPublisher.self) { publishers in
            (publishers.reduce(UInt64(0)) { $0 + $1.videoPacketsSent + $1.audioPacketsSent },
             publishers.reduce(0) { $0 + $1.keyframeRequests })
        }.get()
        var subscribers: [ObjectIdentifier: [UInt32: (received: UInt64, expected: Int64)]] = [:]
        for driver in subscriberDrivers {
            let part = try await driver.withPeers(of: BenchSubscriber.self) { subscribers in
                subscribers.map { (ObjectIdentifier($0), $0.snapshot()) }
            }.get()
            for (id, snapshot) in part { subscribers[id] = snapshot.streams }
        }
        return Snapshot(time: time, serverCPU: serverCPU, clientCPU: clientCPU, forwarded: forwarded, udp: udp,
                        publisherPackets: publisherCounts.0, keyframeRequests: publisherCounts.1,
                        subscribers: subscribers)
    }
}

extension FanoutResult {
    /// A human-readable summary.
    public var textReport: String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        let p50 = delayP50Micros.map(String.init) ?? "-"
        let p99 = delayP99Micros.map(String.init) ?? "-"
        return """
        fanout: \(options.publishers) publisher(s) × \(options.subscribers) subscriber(s) = \(subscriberSessions) WHEP sessions, \
        video \(options.videoBitrateBps / 1000) kbps, window \(f(windowSeconds, 1)) s after \(f(options.warmupSeconds, 1)) s warm-up
          forwarded (server /metrics)   \(f(forwardedPerSecond)) packets/s  (expected \(f(expectedForwardPerSecond)))
          received (clients)            \(f(receivedPerSecond)) packets/s
          server CPU                    \(f(serverCPUSecondsPerMillionPackets, 2)) s per million forwarded packets, \(f(serverCPUCores * 100)) % of one core
          client CPU (bench process)    \(f(clientCPUCores * 100)) % of one core
          forwarding delay              p50 \(p50) µs, p99 \(p99) µs, max \(delayMaxMicros) µs (\(delaySamples) samples)
          loss                          \(lostPackets) of \(expectedPackets) packets (\(f(lossPercent, 3)) %)
          server RSS                    \(serverRSSBaselineKiB) KiB → \(serverRSSKiB) KiB, \(f(rssPerSubscriberKiB, 1)) KiB per subscriber
          kernel UDP receive-buffer drops \(udpReceiveBufferErrors); key frame requests at publishers \(keyframeRequestsAtPublishers)
          sessions connected in \(f(connectSeconds, 1)) s
        """
    }
}
