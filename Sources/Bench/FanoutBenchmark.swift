import AsyncHTTPClient
import Auth
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
        let token = try await BenchClients.token(apiKey: pair.apiKey, apiSecret: pair.apiSecret, room: options.room)
        let serviceToken = try await BenchClients.serviceToken(apiKey: pair.apiKey, apiSecret: pair.apiSecret)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let server = try ServerProcess.serve(apiKey: pair.apiKey, apiSecret: pair.apiSecret, workers: 1)
        let http = NodeHTTP(client: httpClient, host: "127.0.0.1", port: server.httpPort, serviceToken: serviceToken)
        let clients = try BenchClients(token: token, room: options.room, clientThreads: options.clientThreads,
                                       videoBitrateBps: options.videoBitrateBps, decryptEvery: options.decryptEvery,
                                       groups: 1)
        func cleanUp() async {
            server.stop()
            await clients.shutdown()
            try? await httpClient.shutdown()
        }
        do {
            let result = try await measure(options, server: server, http: http, clients: clients, progress: progress)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    static func measure(_ options: FanoutOptions, server: ServerProcess, http: NodeHTTP, clients: BenchClients,
                        progress: @escaping @Sendable (String) -> Void) async throws -> FanoutResult {
        try await server.start(http: http)
        progress("server pid \(server.pid) on http \(server.httpPort), media udp \(server.mediaPort); log \(server.logPath)")

        var resources: [String] = []
        for _ in 0..<options.publishers { resources.append(try await clients.publish(http: http)) }
        progress("\(options.publishers) publisher(s) connected")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let rssBaseline = ProcessStats.residentKiB(pid: server.pid) ?? 0

        // Subscribers: N per publisher, a few set up at once.
        let connectStart = Date()
        let jobs = resources.flatMap { resource in
            (0..<options.subscribers).map { _ in SubscribeJob(http: http, resource: resource, group: 0) }
        }
        try await clients.subscribe(jobs, concurrency: options.connectConcurrency)
        let connectSeconds = Date().timeIntervalSince(connectStart)
        progress("\(jobs.count) subscriber(s) connected in \(String(format: "%.1f", connectSeconds)) s; warming up")
        try await Task.sleep(nanoseconds: UInt64(options.warmupSeconds * 1e9))

        // Measurement window.
        let start = try await snapshot(server: server, http: http, clients: clients)
        try await clients.startMeasuring()
        try await Task.sleep(nanoseconds: UInt64(options.durationSeconds * 1e9))
        let histogram = try await clients.stopMeasuring()[0]
        let end = try await snapshot(server: server, http: http, clients: clients)
        let rss = ProcessStats.residentKiB(pid: server.pid) ?? 0

        let window = end.time.timeIntervalSince(start.time)
        let forwarded = end.forwarded - start.forwarded
        let counts = BenchClients.receiveCounts(from: start.clients, to: end.clients, group: 0)
        let serverCPU = end.serverCPU - start.serverCPU
        let published = Double(end.clients.publisherPackets - start.clients.publisherPackets)
        return FanoutResult(
            date: ISO8601DateFormatter().string(from: Date()), machine: ProcessStats.machineDescription(),
            options: options, subscriberSessions: jobs.count, connectSeconds: connectSeconds, windowSeconds: window,
            expectedForwardPerSecond: published * Double(options.subscribers) / window,
            forwardedPerSecond: forwarded / window, receivedPerSecond: Double(counts.received) / window,
            serverCPUSecondsPerMillionPackets: forwarded > 0 ? serverCPU / (forwarded / 1e6) : 0,
            serverCPUCores: serverCPU / window, clientCPUCores: (end.clientCPU - start.clientCPU) / window,
            delayP50Micros: histogram.percentile(0.50), delayP99Micros: histogram.percentile(0.99),
            delayMaxMicros: histogram.maximumMicros, delaySamples: histogram.total,
            lostPackets: counts.lost, expectedPackets: counts.expected, lossPercent: counts.lossPercent,
            serverRSSBaselineKiB: rssBaseline, serverRSSKiB: rss,
            rssPerSubscriberKiB: jobs.isEmpty ? 0 : Double(rss - rssBaseline) / Double(jobs.count),
            udpReceiveBufferErrors: (end.udp["RcvbufErrors"] ?? 0) - (start.udp["RcvbufErrors"] ?? 0),
            keyframeRequestsAtPublishers: end.clients.keyframeRequests)
    }

    struct Snapshot {
        var time: Date
        var serverCPU: Double
        var clientCPU: Double
        var forwarded: Double
        var udp: [String: Int]
        var clients: ClientSnapshot
    }

    static func snapshot(server: ServerProcess, http: NodeHTTP, clients: BenchClients) async throws -> Snapshot {
        let forwarded = try await server.metrics(http: http)["cascade_rtp_forwarded_packets_total"] ?? 0
        let time = Date()
        let serverCPU = ProcessStats.cpuSeconds(pid: server.pid) ?? 0
        let clientCPU = ProcessStats.selfCPUSeconds()
        let udp = ProcessStats.udpCounters()
        return Snapshot(time: time, serverCPU: serverCPU, clientCPU: clientCPU, forwarded: forwarded, udp: udp,
                        clients: try await clients.snapshot())
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
