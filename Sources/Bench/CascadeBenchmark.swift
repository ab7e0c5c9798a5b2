import AsyncHTTPClient
import Auth
import Foundation
import MediaServer
import NIOCore
import NIOPosix

/// `cascade bench cascade`: what one cascade hop costs. Two `cascade media` nodes of a generated
/// deployment run as child processes on 127.0.0.1; P publishers publish to node A; each
/// publication is watched by one subscriber on A (direct) and one on B (relayed: B pulls it from
/// A over their CascadeLink). The relayed delay minus the direct delay is the hop's added
/// latency; node B, which does nothing but receive the link and send to one subscriber per
/// stream, gives the CPU cost of a relayed stream. See docs/benchmarks.md.
public struct CascadeOptions: Sendable, Codable {
    /// Publications (publishers on node A).
    public var streams = 10
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

/// The subscribers of one path (direct on A, or relayed through B).
public struct CascadePathResult: Sendable, Codable {
    public var subscribers: Int
    public var receivedPerSecond: Double
    /// The delay distribution's shape shows how the hop adds latency (a constant shifts every
    /// percentile; waiting for a periodic timer spreads them).
    public var delayP10Micros: UInt64?
    public var delayP90Micros: UInt64?
    public var delayP50Micros: UInt64?
    public var delayP99Micros: UInt64?
    public var delayMaxMicros: UInt64
    public var delaySamples: UInt64
    public var lostPackets: Int64
    public var expectedPackets: Int64
    public var lossPercent: Double
}

/// One media node over the window.
public struct CascadeNodeResult: Sendable, Codable {
    public var id: String
    /// CPU time / wall time (1.0 = one core busy), from /proc/PID/stat.
    public var cpuCores: Double
    /// `cpuCores` / streams.
    public var cpuCoresPerStream: Double
    /// From the node's /metrics. Node A forwards every packet twice (direct subscriber and link).
    public var forwardedPerSecond: Double
    /// From the node's /metrics: datagrams on the media port. The link's socket on the dialing
    /// node (B) is not counted there.
    public var udpReceivedPerSecond: Double
    public var udpSentPerSecond: Double
    public var rssKiB: Int
}

public struct CascadeResult: Sendable, Codable {
    public var date: String
    public var machine: String
    public var options: CascadeOptions
    /// WHEP on B until the first relayed subscriber is connected, link set-up included.
    public var firstRelayConnectSeconds: Double
    /// Every other subscriber (direct and relayed).
    public var connectSeconds: Double
    public var windowSeconds: Double
    /// Packets sent by all publishers per second.
    public var publishedPerSecond: Double
    public var direct: CascadePathResult
    public var relayed: CascadePathResult
    /// relayed − direct: what the hop adds.
    public var addedDelayP50Micros: Int64?
    public var addedDelayP99Micros: Int64?
    public var nodeA: CascadeNodeResult
    public var nodeB: CascadeNodeResult
    /// Node B's cores / streams: the CPU one relayed stream costs on the receiving node.
    public var relayedStreamCPUCores: Double
    public var clientCPUCores: Double
    /// Machine-wide /proc/net/snmp Udp RcvbufErrors during the window (kernel drops).
    public var udpReceiveBufferErrors: Int
    public var keyframeRequestsAtPublishers: Int
}

public enum CascadeBenchmark {
    static let nodeIDs = ["node-a", "node-b"]
    static let direct = 0
    static let relayed = 1

    public static func run(_ options: CascadeOptions, progress: @escaping @Sendable (String) -> Void) async throws -> CascadeResult {
        let pair = KeyService.generateDevelopmentPair()
        let token = try await BenchClients.token(apiKey: pair.apiKey, apiSecret: pair.apiSecret, room: options.room)
        let serviceToken = try await BenchClients.serviceToken(apiKey: pair.apiKey, apiSecret: pair.apiSecret)
        let directory = try ServerProcess.makeDirectory()
        let deployment = try BenchDeployment.loopback(ids: nodeIDs)
        let config = try deployment.write(into: directory)
        let nodes = try deployment.nodes.map {
            try ServerProcess.media(config: config, node: $0, apiKey: pair.apiKey, apiSecret: pair.apiSecret,
                                    directory: directory)
        }
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let https = nodes.map { NodeHTTP(client: httpClient, host: "127.0.0.1", port: $0.httpPort, serviceToken: serviceToken) }
        let clients = try BenchClients(token: token, room: options.room, clientThreads: options.clientThreads,
                                       videoBitrateBps: options.videoBitrateBps, decryptEvery: options.decryptEvery,
                                       groups: 2)
        func cleanUp() async {
            // B first, so A does not see its link drop while still serving.
            for node in nodes.reversed() { node.stop() }
            await clients.shutdown()
            try? await httpClient.shutdown()
        }
        do {
            progress("deployment file \(config.path)")
            for (node, http) in zip(nodes, https) {
                try await node.start(http: http)
                progress("\(node.name) pid \(node.pid) on http \(node.httpPort), media \(node.mediaPort); log \(node.logPath)")
            }
            let result = try await measure(options, nodes: nodes, https: https, clients: clients, progress: progress)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    static func measure(_ options: CascadeOptions, nodes: [ServerProcess], https: [NodeHTTP],
                        clients: BenchClients, progress: @escaping @Sendable (String) -> Void) async throws -> CascadeResult {
        let (a, b) = (https[0], https[1])
        var resources: [String] = []
        for _ in 0..<options.streams { resources.append(try await clients.publish(http: a)) }
        progress("\(options.streams) publisher(s) connected to \(nodes[0].name)")
        try await Task.sleep(nanoseconds: 1_000_000_000)

        // The first relayed subscriber alone, so the link set-up is timed on its own.
        let linkStart = Date()
        try await clients.subscribe([SubscribeJob(http: b, resource: resources[0], group: relayed)], concurrency: 1)
        let firstRelayConnectSeconds = Date().timeIntervalSince(linkStart)
        progress("first relayed subscriber on \(nodes[1].name) connected in \(String(format: "%.2f", firstRelayConnectSeconds)) s")

        let connectStart = Date()
        let jobs = resources.map { SubscribeJob(http: a, resource: $0, group: direct) }
            + resources.dropFirst().map { SubscribeJob(http: b, resource: $0, group: relayed) }
        try await clients.subscribe(jobs, concurrency: options.connectConcurrency)
        let connectSeconds = Date().timeIntervalSince(connectStart)
        progress("\(jobs.count + 1) subscriber(s) connected in \(String(format: "%.1f", connectSeconds)) s; warming up")
        try await Task.sleep(nanoseconds: UInt64(options.warmupSeconds * 1e9))

        // Measurement window.
        let start = try await snapshot(nodes: nodes, https: https, clients: clients)
        try await clients.startMeasuring()
        try await Task.sleep(nanoseconds: UInt64(options.durationSeconds * 1e9))
        let histograms = try await clients.stopMeasuring()
        let end = try await snapshot(nodes: nodes, https: https, clients: clients)

        let window = end.time.timeIntervalSince(start.time)
        func path(_ group: Int) -> CascadePathResult {
            let counts = BenchClients.receiveCounts(from: start.clients, to: end.clients, group: group)
            let histogram = histograms[group]
            return CascadePathResult(
                subscribers: options.streams, receivedPerSecond: Double(counts.received) / window,
                delayP10Micros: histogram.percentile(0.10), delayP90Micros: histogram.percentile(0.90),
                delayP50Micros: histogram.percentile(0.50), delayP99Micros: histogram.percentile(0.99),
                delayMaxMicros: histogram.maximumMicros, delaySamples: histogram.total,
                lostPackets: counts.lost, expectedPackets: counts.expected, lossPercent: counts.lossPercent)
        }
        func node(_ index: Int) -> CascadeNodeResult {
            let cores = (end.nodes[index].cpu - start.nodes[index].cpu) / window
            func rate(_ metric: String) -> Double {
                ((end.nodes[index].metrics[metric] ?? 0) - (start.nodes[index].metrics[metric] ?? 0)) / window
            }
            return CascadeNodeResult(
                id: nodes[index].name, cpuCores: cores, cpuCoresPerStream: cores / Double(options.streams),
                forwardedPerSecond: rate("cascade_rtp_forwarded_packets_total"),
                udpReceivedPerSecond: rate("cascade_udp_received_packets_total"),
                udpSentPerSecond: rate("cascade_udp_sent_packets_total"),
                rssKiB: ProcessStats.residentKiB(pid: nodes[index].pid) ?? 0)
        }
        let directResult = path(direct)
        let relayedResult = path(relayed)
        func difference(_ relayed: UInt64?, _ direct: UInt64?) -> Int64? {
            guard let relayed, let direct else { return nil }
            return Int64(relayed) - Int64(direct)
        }
        let nodeA = node(0)
        let nodeB = node(1)
        return CascadeResult(
            date: ISO8601DateFormatter().string(from: Date()), machine: ProcessStats.machineDescription(),
            options: options, firstRelayConnectSeconds: firstRelayConnectSeconds, connectSeconds: connectSeconds,
            windowSeconds: window,
            publishedPerSecond: Double(end.clients.publisherPackets - start.clients.publisherPackets) / window,
            direct: directResult, relayed: relayedResult,
            addedDelayP50Micros: difference(relayedResult.delayP50Micros, directResult.delayP50Micros),
            addedDelayP99Micros: difference(relayedResult.delayP99Micros, directResult.delayP99Micros),
            nodeA: nodeA, nodeB: nodeB, relayedStreamCPUCores: nodeB.cpuCoresPerStream,
            clientCPUCores: (end.clientCPU - start.clientCPU) / window,
            udpReceiveBufferErrors: (end.udp["RcvbufErrors"] ?? 0) - (start.udp["RcvbufErrors"] ?? 0),
            keyframeRequestsAtPublishers: end.clients.keyframeRequests)
    }

    struct NodeSnapshot {
        var cpu: Double
        var metrics: [String: Double]
    }

    struct Snapshot {
        var time: Date
        var nodes: [NodeSnapshot]
        var clientCPU: Double
        var udp: [String: Int]
        var clients: ClientSnapshot
    }

    static func snapshot(nodes: [ServerProcess], https: [NodeHTTP], clients: BenchClients) async throws -> Snapshot {
        var metrics: [[String: Double]] = []
        for (node, http) in zip(nodes, https) { metrics.append(try await node.metrics(http: http)) }
        // CPU readings together, right after the metrics, so both nodes share one window.
        let time = Date()
        let readings = zip(nodes, metrics).map { NodeSnapshot(cpu: ProcessStats.cpuSeconds(pid: $0.pid) ?? 0, metrics: $1) }
        return Snapshot(time: time, nodes: readings, clientCPU: ProcessStats.selfCPUSeconds(),
                        udp: ProcessStats.udpCounters(), clients: try await clients.snapshot())
    }
}

extension CascadeResult {
    /// A human-readable summary.
    public var textReport: String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        func us(_ value: UInt64?) -> String { value.map(String.init) ?? "-" }
        func signed(_ value: Int64?) -> String { value.map { $0 >= 0 ? "+\($0)" : "\($0)" } ?? "-" }
        func line(_ name: String, _ path: CascadePathResult) -> String {
            "  \(name) p10 \(us(path.delayP10Micros)) µs, p50 \(us(path.delayP50Micros)) µs, "
                + "p90 \(us(path.delayP90Micros)) µs, p99 \(us(path.delayP99Micros)) µs, max \(path.delayMaxMicros) µs "
                + "(\(path.delaySamples) samples); \(f(path.receivedPerSecond)) packets/s received, "
                + "loss \(path.lostPackets) of \(path.expectedPackets) (\(f(path.lossPercent, 3)) %)"
        }
        func node(_ node: CascadeNodeResult) -> String {
            "  \(node.id) CPU \(f(node.cpuCores * 100, 1)) % of one core = \(f(node.cpuCoresPerStream * 1000, 2)) millicores per stream; "
                + "forwarded \(f(node.forwardedPerSecond))/s; media port UDP in \(f(node.udpReceivedPerSecond))/s, out \(f(node.udpSentPerSecond))/s; RSS \(node.rssKiB) KiB"
        }
        return """
        cascade: \(options.streams) publication(s) on \(nodeA.id), each watched by 1 subscriber on \(nodeA.id) (direct) \
        and 1 on \(nodeB.id) (relayed over the link), video \(options.videoBitrateBps / 1000) kbps, \
        window \(f(windowSeconds, 1)) s after \(f(options.warmupSeconds, 1)) s warm-up
          published                     \(f(publishedPerSecond)) packets/s
        \(line("direct   ", direct))
        \(line("relayed  ", relayed))
          added by the hop              p50 \(signed(addedDelayP50Micros)) µs, p99 \(signed(addedDelayP99Micros)) µs
        \(node(nodeA))
        \(node(nodeB))
          CPU per relayed stream        \(f(relayedStreamCPUCores * 1000, 2)) millicores on \(nodeB.id) (its cores / streams)
          client CPU (bench process)    \(f(clientCPUCores * 100)) % of one core
          kernel UDP receive-buffer drops \(udpReceiveBufferErrors); key frame requests at publishers \(keyframeRequestsAtPublishers)
          first relayed subscriber connected in \(f(firstRelayConnectSeconds, 2)) s (link set-up included); the rest in \(f(connectSeconds, 1)) s
        """
    }
}
