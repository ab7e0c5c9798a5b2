import Foundation
@testable import Deployment
import XCTest

/// Deployment files shared by the tests.
enum Fixtures {
    /// One box in an office behind a firewall, one in a public cloud (CASCADING.md's example).
    static let twoZones = """
    {
      "version": 1,
      "control": {"url": "http://10.88.2.2:8080"},
      "zones": [
        {"name": "office", "cidrs": ["10.88.1.0/24"], "fallback": ["cloud"]},
        {"name": "cloud",  "cidrs": ["0.0.0.0/0", "::/0"]}
      ],
      "nodes": [
        {"id": "office-1", "zone": "office", "reachable": false,
         "bind": "10.88.1.2", "advertise": ["10.88.1.2"], "httpPort": 8081, "mediaPort": 7882,
         "url": "http://10.88.1.2:8081", "linksTo": ["cloud-1"]},
        {"id": "cloud-1", "zone": "cloud", "reachable": true,
         "bind": "10.88.2.2", "advertise": ["10.88.2.2"], "httpPort": 8081, "mediaPort": 7882,
         "url": "http://10.88.2.2:8081", "linksTo": ["office-1"]}
      ]
    }
    """

    /// Two offices and a cloud region with two nodes; defaults left out where possible.
    static let threeSites = """
    {
      "version": 1,
      "control": {"url": "https://meet.example.com:443/"},
      "zones": [
        {"name": "paris",  "cidrs": ["10.1.0.0/16", "fd00:1::/32"], "fallback": ["cloud", "berlin"]},
        {"name": "berlin", "cidrs": ["10.2.0.0/16"], "fallback": ["cloud"]},
        {"name": "cloud",  "cidrs": ["0.0.0.0/0", "::/0"]}
      ],
      "nodes": [
        {"id": "paris-1", "zone": "paris", "reachable": false, "advertise": ["10.1.0.10"]},
        {"id": "berlin-1", "zone": "berlin", "advertise": ["10.2.0.10", "fd00:2::10"],
         "bind": "0.0.0.0", "url": "http://10.2.0.10:8081", "mediaPort": 7900},
        {"id": "cloud-1", "zone": "cloud", "advertise": ["203.0.113.10"], "bind": "172.31.0.10",
         "url": "http://[2001:db8::10]:9000", "httpPort": 9000},
        {"id": "cloud-2", "zone": "cloud", "advertise": ["203.0.113.11"], "url": "http://cloud-2.internal:8081",
         "linksTo": ["cloud-1", "berlin-1"]}
      ]
    }
    """

    /// The two-zone file as a mutable dictionary, for tests that break one thing at a time.
    static func twoZonesDocument() -> [String: Any] {
        [
            "version": 1,
            "control": ["url": "http://10.88.2.2:8080"],
            "zones": [
                ["name": "office", "cidrs": ["10.88.1.0/24"], "fallback": ["cloud"]],
                ["name": "cloud", "cidrs": ["0.0.0.0/0", "::/0"]],
            ],
            "nodes": [
                ["id": "office-1", "zone": "office", "reachable": false, "advertise": ["10.88.1.2"],
                 "url": "http://10.88.1.2:8081", "linksTo": ["cloud-1"]],
                ["id": "cloud-1", "zone": "cloud", "advertise": ["10.88.2.2"],
                 "url": "http://10.88.2.2:8081", "linksTo": ["office-1"]],
            ],
        ]
    }

    static func bytes(_ text: String) -> [UInt8] {
        Array(text.utf8)
    }

    static func bytes(_ document: [String: Any]) -> [UInt8] {
        // A literal document always serializes.
        [UInt8](try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    }
}

/// Edits one element of a list inside a JSON-like dictionary: `document["nodes"][index][key]`.
func setting(_ document: [String: Any], _ list: String, _ index: Int, _ key: String, _ value: Any?) -> [String: Any] {
    var document = document
    var elements = document[list] as! [[String: Any]]
    elements[index][key] = value
    document[list] = elements
    return document
}

/// Asserts that parsing fails with exactly this message.
func XCTAssertRejects(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        let configuration = try DeploymentConfiguration.parse(bytes)
        XCTFail("accepted, expected \"\(expected)\": \(configuration)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.description, expected, file: file, line: line)
    }
}
