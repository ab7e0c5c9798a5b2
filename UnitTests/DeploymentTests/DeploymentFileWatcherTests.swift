import Foundation
import Synchronization
import XCTest
@testable import Deployment

final class DeploymentFileWatcherTests: XCTestCase {
    private func file(_ nodes: [String]) -> String {
        let entries = nodes.map { id in
            #"{"id": "\#(id)", "zone": "a", "advertise": ["10.0.0.\#(nodes.firstIndex(of: id)! + 1)"], "url": "http://10.0.0.\#(nodes.firstIndex(of: id)! + 1):8081"}"#
        }
        return #"{"version": 1, "control": {"url": "http://10.0.0.100:8080"}, "zones": [{"name": "a", "cidrs": ["0.0.0.0/0"]}], "nodes": [\#(entries.joined(separator: ","))]}"#
    }

    func testAChangedFileIsPickedUpAndABrokenOneIsRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file(["one"]).write(toFile: path, atomically: true, encoding: .utf8)
        let initial = try DeploymentConfiguration.load(path: path)
        let seen = Mutex<[[String]]>([])
        let errors = Mutex<[String]>([])
        let watcher = DeploymentFileWatcher(path: path, interval: .milliseconds(20))
        let task = Task {
            await watcher.run(current: initial,
                              changed: { configuration in seen.withLock { $0.append(configuration.nodes.map(\.id)) } },
                              rejected: { error in errors.withLock { $0.append(error.description) } })
        }
        defer { task.cancel() }

        try file(["one", "two"]).write(toFile: path, atomically: true, encoding: .utf8)
        try await waitUntil { seen.withLock { $0 } == [["one", "two"]] }
        try #"{"version": 1, "nodes": ["#.write(toFile: path, atomically: true, encoding: .utf8)
        try await waitUntil { errors.withLock { $0.count } == 1 }
        // Back to the accepted content: nothing new to apply.
        try file(["one", "two"]).write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(seen.withLock { $0 }, [["one", "two"]])
        try file(["two"]).write(toFile: path, atomically: true, encoding: .utf8)
        try await waitUntil { seen.withLock { $0 }.last == ["two"] }
    }

    private func waitUntil(_ condition: () -> Bool, timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("condition not met in time") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
