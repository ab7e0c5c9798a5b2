import Foundation
import MediaServer
import NIOCore

/// `cascade serve --workers 1` as a child process (the same binary), on free loopback ports with
/// a generated key pair, so its CPU time and memory are measured apart from the clients.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let httpPort: Int
    let mediaPort: Int
    let apiKey: String
    let apiSecret: String
    let directory: URL
    var pid: Int32 { process.processIdentifier }

    init(apiKey: String, apiSecret: String, workers: Int) throws {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        httpPort = try Self.freePort(type: Int32(SOCK_STREAM.rawValue))
        mediaPort = try Self.freePort(type: Int32(SOCK_DGRAM.rawValue))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cascade-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "serve", "--bind", "127.0.0.1", "--http-port", "\(httpPort)", "--media-port", "\(mediaPort)",
            "--workers", "\(workers)", "--api-key", apiKey, "--api-secret", apiSecret,
            "--data-dir", directory.appendingPathComponent("data").path, "--log-level", "warning",
        ]
        let log = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
    }

    var logPath: String { directory.appendingPathComponent("server.log").path }

    func start(http: SimpleHTTPClient) async throws {
        try process.run()
        // Ready when /healthz answers (at most 15 s).
        for _ in 0..<150 {
            if !process.isRunning { throw BenchError.server("exited at start; see \(logPath)") }
            if let response = try? await http.request("GET", "/healthz"), response.status == 200 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw BenchError.server("did not become healthy; see \(logPath)")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()  // SIGTERM: the server shuts down gracefully
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Binds port 0 on 127.0.0.1 and returns what the kernel chose (a small race, fine for a benchmark).
    static func freePort(type: Int32) throws -> Int {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw BenchError.server("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError.server("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw BenchError.server("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `cascade_rtp_forwarded_packets_total` and friends from /metrics.
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
