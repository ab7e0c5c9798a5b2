import Foundation
import MediaServer
import NIOCore

/// A server under test as a child process (the same binary, `/proc/self/exe`) on loopback ports,
/// so its CPU time and memory are measured apart from the clients: `cascade serve` for the fan-out
/// benchmark, `cascade media --config … --node …` for the cascade benchmark.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    /// For messages and the log file name, e.g. "server" or "node-a".
    let name: String
    let httpPort: Int
    let mediaPort: Int
    let directory: URL
    var pid: Int32 { process.processIdentifier }
    var logPath: String { directory.appendingPathComponent("\(name).log").path }

    /// `arguments` follow the executable; `environment` is added to this process's environment.
    init(name: String, arguments: [String], environment: [String: String] = [:],
         httpPort: Int, mediaPort: Int, directory: URL) throws {
        self.name = name
        self.httpPort = httpPort
        self.mediaPort = mediaPort
        self.directory = directory
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let log = directory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
    }

    /// `cascade serve --workers N` on free loopback ports, with the given key pair.
    static func serve(apiKey: String, apiSecret: String, workers: Int) throws -> ServerProcess {
        let directory = try makeDirectory()
        let httpPort = try freePort(type: Int32(SOCK_STREAM.rawValue))
        let mediaPort = try freeMediaPort()
        return try ServerProcess(
            name: "server",
            arguments: [
                "serve", "--bind", "127.0.0.1", "--http-port", "\(httpPort)", "--media-port", "\(mediaPort)",
                "--workers", "\(workers)", "--api-key", apiKey, "--api-secret", apiSecret,
                "--data-dir", directory.appendingPathComponent("data").path, "--log-level", "warning",
            ],
            httpPort: httpPort, mediaPort: mediaPort, directory: directory)
    }

    /// `cascade media --config FILE --node ID`: the ports are the node's entry in the file; the
    /// key pair travels in the environment, as in a real deployment (docs/deploy.md).
    static func media(config: URL, node: BenchDeployment.Node, apiKey: String, apiSecret: String,
                      directory: URL) throws -> ServerProcess {
        try ServerProcess(
            name: node.id,
            arguments: ["media", "--config", config.path, "--node", node.id, "--log-level", "warning"],
            environment: ["CASCADE_API_KEY": apiKey, "CASCADE_API_SECRET": apiSecret],
            httpPort: node.httpPort, mediaPort: node.mediaPort, directory: directory)
    }

    /// A fresh directory for logs, data and generated files, removed by nobody (it is small and
    /// the logs are what one reads when a run fails).
    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cascade-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func start(http: NodeHTTP) async throws {
        try process.run()
        // Ready when /healthz answers (at most 15 s).
        for _ in 0..<150 {
            if !process.isRunning { throw BenchError.server("\(name) exited at start; see \(logPath)") }
            if let response = try? await http.request(.GET, "/healthz"), response.status == 200 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw BenchError.server("\(name) did not become healthy; see \(logPath)")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()  // SIGTERM: the server shuts down gracefully
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The server's counters from /metrics, e.g. `cascade_rtp_forwarded_packets_total`.
    func metrics(http: NodeHTTP) async throws -> [String: Double] {
        let response = try await http.request(.GET, "/metrics", headers: [("Authorization", "Bearer \(http.serviceToken)")])
        guard response.status == 200 else { throw BenchError.server("\(name) answered /metrics with \(response.status)") }
        return Self.parseMetrics(response.bodyText)
    }

    /// Binds port 0 on 127.0.0.1 and returns what the kernel chose (a small race, fine for a benchmark).
    static func freePort(type: Int32) throws -> Int {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw BenchError.server("socket() failed") }
        defer { close(fd) }
        guard bindLoopback(fd, port: 0) else { throw BenchError.server("bind() failed") }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw BenchError.server("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A port free for UDP and for TCP: media ports also listen for ICE-TCP (RFC 6544).
    static func freeMediaPort() throws -> Int {
        for _ in 0..<20 {
            let port = try freePort(type: Int32(SOCK_DGRAM.rawValue))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError.server("socket() failed") }
            let free = bindLoopback(fd, port: port)
            close(fd)
            if free { return port }
        }
        throw BenchError.server("no port free for both UDP and TCP")
    }

    private static func bindLoopback(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Prometheus text format: `name value` lines, comments skipped.
    static func parseMetrics(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }
}
