import Foundation
import XCTest
@testable import Deployment

final class DeploymentParsingTests: XCTestCase {
    func testTwoZoneFileParsesToExpectedValues() throws {
        let configuration = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.twoZones))
        let expected = DeploymentConfiguration(
            version: 1,
            control: ControlEntry(url: ServiceURL(scheme: .http, host: "10.88.2.2", port: 8080)),
            zones: [
                ZoneEntry(name: "office", cidrs: [CIDR("10.88.1.0/24")!], fallback: ["cloud"]),
                ZoneEntry(name: "cloud", cidrs: [CIDR("0.0.0.0/0")!, CIDR("::/0")!]),
            ],
            nodes: [
                NodeEntry(id: "office-1", zone: "office", reachable: false, bind: "10.88.1.2",
                          advertise: ["10.88.1.2"], httpPort: 8081, mediaPort: 7882,
                          url: ServiceURL("http://10.88.1.2:8081"), linksTo: ["cloud-1"]),
                NodeEntry(id: "cloud-1", zone: "cloud", reachable: true, bind: "10.88.2.2",
                          advertise: ["10.88.2.2"], httpPort: 8081, mediaPort: 7882,
                          url: ServiceURL("http://10.88.2.2:8081"), linksTo: ["office-1"]),
            ]
        )
        XCTAssertEqual(configuration, expected)
        XCTAssertEqual(configuration.node(id: "cloud-1")?.zone, "cloud")
        XCTAssertNil(configuration.node(id: "cloud-2"))
        XCTAssertEqual(configuration.control.url.description, "http://10.88.2.2:8080")
    }

    func testThreeSiteFileAppliesDefaults() throws {
        let configuration = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.threeSites))
        XCTAssertEqual(configuration.control.url, ServiceURL(scheme: .https, host: "meet.example.com", port: 443))
        XCTAssertEqual(configuration.zones.map(\.name), ["paris", "berlin", "cloud"])
        XCTAssertEqual(configuration.zones[0].cidrs.map(\.description), ["10.1.0.0/16", "fd00:1::/32"])
        XCTAssertEqual(configuration.zones[0].fallback, ["cloud", "berlin"])
        XCTAssertEqual(configuration.zones[2].fallback, [])

        let paris = try XCTUnwrap(configuration.node(id: "paris-1"))
        XCTAssertEqual(paris, NodeEntry(id: "paris-1", zone: "paris", reachable: false, bind: "10.1.0.10",
                                        advertise: ["10.1.0.10"], httpPort: 8081, mediaPort: 7882,
                                        url: nil, linksTo: []))

        let berlin = try XCTUnwrap(configuration.node(id: "berlin-1"))
        XCTAssertTrue(berlin.reachable)
        XCTAssertEqual(berlin.bind, "0.0.0.0")
        XCTAssertEqual(berlin.advertise, ["10.2.0.10", "fd00:2::10"])
        XCTAssertEqual(berlin.mediaPort, 7900)
        XCTAssertEqual(berlin.httpPort, 8081)

        let cloud1 = try XCTUnwrap(configuration.node(id: "cloud-1"))
        XCTAssertEqual(cloud1.bind, "172.31.0.10")
        XCTAssertEqual(cloud1.httpPort, 9000)
        XCTAssertEqual(cloud1.url?.host, "2001:db8::10")
        XCTAssertEqual(cloud1.url?.description, "http://[2001:db8::10]:9000")

        let cloud2 = try XCTUnwrap(configuration.node(id: "cloud-2"))
        XCTAssertEqual(cloud2.bind, "203.0.113.11", "bind defaults to the first advertised address")
        XCTAssertEqual(cloud2.url?.host, "cloud-2.internal")
        XCTAssertEqual(configuration.nodes(inZone: "cloud").map(\.id), ["cloud-1", "cloud-2"])
    }

    func testMayLink() throws {
        let configuration = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.threeSites))
        // paris-1 lists nothing (any node): it may link with every reachable node.
        XCTAssertTrue(configuration.mayLink("paris-1", "cloud-1"))
        XCTAssertTrue(configuration.mayLink("cloud-2", "paris-1"), "allowed because paris-1 allows any node")
        // cloud-2 lists only cloud-1 and berlin-1, but berlin-1 lists nothing (any).
        XCTAssertTrue(configuration.mayLink("cloud-2", "berlin-1"))
        XCTAssertTrue(configuration.mayLink("cloud-1", "cloud-2"))
        XCTAssertFalse(configuration.mayLink("cloud-1", "cloud-1"))
        XCTAssertFalse(configuration.mayLink("cloud-1", "nowhere"))

        let two = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.twoZones))
        XCTAssertTrue(two.mayLink("office-1", "cloud-1"))
        XCTAssertTrue(two.mayLink("cloud-1", "office-1"))
    }

    func testMayLinkWhenOnlyOneSideLists() {
        let url = ServiceURL(scheme: .http, host: "10.0.0.1", port: 8081)
        let configuration = DeploymentConfiguration(
            control: ControlEntry(url: url),
            zones: [ZoneEntry(name: "z")],
            nodes: [
                NodeEntry(id: "a", zone: "z", advertise: ["10.0.0.1"], url: url, linksTo: ["b"]),
                NodeEntry(id: "b", zone: "z", advertise: ["10.0.0.2"], url: url, linksTo: ["c"]),
                NodeEntry(id: "c", zone: "z", advertise: ["10.0.0.3"], url: url, linksTo: ["b"]),
                NodeEntry(id: "d", zone: "z", reachable: false, advertise: ["10.0.0.4"]),
                NodeEntry(id: "e", zone: "z", reachable: false, advertise: ["10.0.0.5"]),
            ]
        )
        XCTAssertNoThrow(try configuration.validate())
        XCTAssertTrue(configuration.mayLink("a", "b"), "a lists b")
        XCTAssertTrue(configuration.mayLink("c", "b"))
        XCTAssertFalse(configuration.mayLink("a", "c"), "neither lists the other")
        XCTAssertTrue(configuration.mayLink("d", "a"), "d lists nothing, so any node")
        XCTAssertFalse(configuration.mayLink("d", "e"), "two unreachable nodes can never connect")
    }

    func testLoadFromFile() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("deployment-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("deploy.json")
        try Data(Fixtures.twoZones.utf8).write(to: file)

        let loaded = try DeploymentConfiguration.load(path: file.path)
        XCTAssertEqual(loaded, try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.twoZones)))

        let missing = directory.appendingPathComponent("nope.json").path
        XCTAssertThrowsError(try DeploymentConfiguration.load(path: missing)) { error in
            XCTAssertEqual(error as? DeploymentError, .fileNotFound(path: missing))
        }
        XCTAssertThrowsError(try DeploymentConfiguration.load(path: directory.path)) { error in
            XCTAssertEqual(error as? DeploymentError, .fileUnreadable(path: directory.path, reason: "it is a directory"))
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try DeploymentConfiguration.parse(Fixtures.bytes(deep)))
        let deepObject = "{\"version\": 1, \"control\": " + String(repeating: "{\"a\":", count: 10_000)
            + "1" + String(repeating: "}", count: 10_001)
        XCTAssertThrowsError(try DeploymentConfiguration.parse(Fixtures.bytes(deepObject)))
    }

    func testNotJSON() {
        for text in ["", "{", "nodes: []", "{\"version\": 1,}x"] {
            XCTAssertThrowsError(try DeploymentConfiguration.parse(Fixtures.bytes(text))) { error in
                guard case .notJSON = error as? DeploymentError else {
                    return XCTFail("\(text): \(error)")
                }
                XCTAssertTrue("\(error)".hasPrefix("the deployment file is not valid JSON: "))
            }
        }
    }
}
