import Foundation

/// A deployment file (docs/deploy.md) for benchmark nodes on 127.0.0.1: one zone, every node
/// reachable, free ports. The control role is named (the format requires it) but not run: only
/// unreachable nodes call it.
struct BenchDeployment: Sendable {
    struct Node: Sendable {
        var id: String
        var httpPort: Int
        var mediaPort: Int
        var url: String { "http://127.0.0.1:\(httpPort)" }
    }

    var controlPort: Int
    var nodes: [Node]

    /// Nodes `ids` on free loopback ports.
    static func loopback(ids: [String]) throws -> BenchDeployment {
        BenchDeployment(
            controlPort: try ServerProcess.freePort(type: Int32(SOCK_STREAM.rawValue)),
            nodes: try ids.map {
                Node(id: $0, httpPort: try ServerProcess.freePort(type: Int32(SOCK_STREAM.rawValue)),
                     mediaPort: try ServerProcess.freeMediaPort())
            })
    }

    /// The file's JSON (keys sorted, so the output is stable).
    func json() throws -> Data {
        let document: [String: Any] = [
            "version": 1,
            "control": ["url": "http://127.0.0.1:\(controlPort)"],
            "zones": [["name": "local", "cidrs": ["127.0.0.0/8"]]],
            "nodes": nodes.map { node -> [String: Any] in
                [
                    "id": node.id, "zone": "local", "reachable": true,
                    "bind": "127.0.0.1", "advertise": ["127.0.0.1"],
                    "httpPort": node.httpPort, "mediaPort": node.mediaPort, "url": node.url,
                ]
            },
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes the file into `directory` and returns its location.
    func write(into directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("deployment.json")
        try json().write(to: file)
        return file
    }
}
