import XCTest
@testable import Deployment

/// Each rule of the deployment file, broken once, with the exact message an operator reads.
final class DeploymentValidationTests: XCTestCase {
    let base = Fixtures.twoZonesDocument()

    func testBaseDocumentIsValid() throws {
        let configuration = try DeploymentConfiguration.parse(Fixtures.bytes(base))
        XCTAssertEqual(configuration, try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.twoZones)))
    }

    // MARK: - Document

    func testVersion() {
        var document = base
        document["version"] = 2
        XCTAssertRejects(Fixtures.bytes(document), "version: must be 1, got 2")
        document["version"] = "1"
        XCTAssertRejects(Fixtures.bytes(document), "version: expected an integer, got a string")
        document["version"] = nil
        XCTAssertRejects(Fixtures.bytes(document), "version: is required")
    }

    func testVersionIsCheckedBeforeUnknownKeys() {
        var document = base
        document["version"] = 2
        document["regions"] = []
        XCTAssertRejects(Fixtures.bytes(document), "version: must be 1, got 2")
    }

    func testDocumentMustBeAnObject() {
        XCTAssertRejects(Fixtures.bytes("[1, 2]"), "expected an object, got a list")
    }

    func testRequiredSections() {
        for key in ["control", "zones", "nodes"] {
            var document = base
            document[key] = nil
            XCTAssertRejects(Fixtures.bytes(document), "\(key): is required")
        }
        var document = base
        document["nodes"] = []
        XCTAssertRejects(Fixtures.bytes(document), "nodes: must list at least one media node")
        document = base
        document["zones"] = ["office"]
        XCTAssertRejects(Fixtures.bytes(document), "zones[0]: expected an object, got a string")
    }

    // MARK: - Unknown keys

    func testUnknownKeysAreRejectedWithASuggestion() {
        var document = base
        document["node"] = []
        XCTAssertRejects(Fixtures.bytes(document), "node: unknown key (did you mean \"nodes\"?)")

        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "mediaport", 7000)),
                         "nodes[1].mediaport: unknown key (did you mean \"mediaPort\"?)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "linkTo", ["cloud-1"])),
                         "nodes[0].linkTo: unknown key (did you mean \"linksTo\"?)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "fallbacks", ["cloud"])),
                         "zones[0].fallbacks: unknown key (did you mean \"fallback\"?)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "capacity", 100)),
                         "nodes[0].capacity: unknown key (allowed: id, zone, reachable, bind, advertise, httpPort, mediaPort, url, linksTo)")

        document = base
        document["control"] = ["url": "http://10.88.2.2:8080", "bind": "0.0.0.0"]
        XCTAssertRejects(Fixtures.bytes(document), "control.bind: unknown key (allowed: url)")
    }

    // MARK: - Types

    func testWrongTypesNameThePath() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "httpPort", "8081")),
                         "nodes[0].httpPort: expected an integer, got a string")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "httpPort", 8081.5)),
                         "nodes[0].httpPort: expected an integer, got a number")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "reachable", "no")),
                         "nodes[0].reachable: expected true or false, got a string")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "advertise", "10.88.1.2")),
                         "nodes[0].advertise: expected a list of strings, got a string")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "advertise", ["10.88.2.2", 7])),
                         "nodes[1].advertise[1]: expected a string, got an integer")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "url", NSNull())),
                         "nodes[0].url: expected a string, got null")
    }

    func testRequiredNodeFields() {
        for key in ["id", "zone", "advertise"] {
            XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, key, nil)), "nodes[1].\(key): is required")
        }
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "name", nil)), "zones[0].name: is required")
    }

    // MARK: - Zones

    func testZoneNamesAreValidAndUnique() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 1, "name", "office")),
                         "zones[1].name: duplicate zone \"office\" (also zones[0])")
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "name", "Office")),
                         "zones[0].name: \"Office\" is not a valid zone name (1-32 characters of a-z, 0-9 and -)")
    }

    func testCIDRsMustParse() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 1, "cidrs", ["0.0.0.0/0", "10.0.0.0/33"])),
                         "zones[1].cidrs[1]: \"10.0.0.0/33\" is not an address range (expected e.g. 10.0.0.0/8, fd00::/8 or 0.0.0.0/0)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "cidrs", ["office-lan"])),
                         "zones[0].cidrs[0]: \"office-lan\" is not an address range (expected e.g. 10.0.0.0/8, fd00::/8 or 0.0.0.0/0)")
    }

    func testFallbackZonesExistAndAreNotSelf() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "fallback", ["clod"])),
                         "zones[0].fallback[0]: unknown zone \"clod\"")
        XCTAssertRejects(Fixtures.bytes(setting(base, "zones", 0, "fallback", ["cloud", "office"])),
                         "zones[0].fallback[1]: zone \"office\" cannot fall back to itself")
    }

    // MARK: - Nodes

    func testNodeIDsAreValidAndUnique() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "id", "Office_1")),
                         "nodes[0].id: \"Office_1\" is not a valid node id (1-32 characters of a-z, 0-9 and -)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "id", "")),
                         "nodes[0].id: \"\" is not a valid node id (1-32 characters of a-z, 0-9 and -)")
        let long = String(repeating: "a", count: 33)
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "id", long)),
                         "nodes[0].id: \"\(long)\" is not a valid node id (1-32 characters of a-z, 0-9 and -)")
        var document = setting(base, "nodes", 1, "id", "office-1")
        document = setting(document, "nodes", 0, "linksTo", [])
        document = setting(document, "nodes", 1, "linksTo", [])
        XCTAssertRejects(Fixtures.bytes(document), "nodes[1].id: duplicate node id \"office-1\" (also nodes[0])")
        XCTAssertTrue(NodeEntry.isValidID(String(repeating: "a", count: 32)))
    }

    func testNodeZoneMustExist() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "zone", "clod")),
                         "nodes[1].zone: unknown zone \"clod\"")
    }

    func testReachableNodesNeedAURL() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "url", nil)),
                         "nodes[1].url: is required for a reachable node (set \"reachable\": false for a node that accepts no inbound connections)")
        // An unreachable node may leave it out.
        XCTAssertNoThrow(try DeploymentConfiguration.parse(Fixtures.bytes(setting(base, "nodes", 0, "url", nil))))
    }

    func testURLShape() {
        let cases: [(String, String)] = [
            ("ftp://10.88.2.2:8081", "must look like http://host:port or https://host:port"),
            ("10.88.2.2:8081", "must look like http://host:port or https://host:port"),
            ("http://10.88.2.2", "needs an explicit port, like http://10.88.2.2:8081"),
            ("http://10.88.2.2:0", "has port 0, which is not between 1 and 65535"),
            ("http://10.88.2.2:65536", "has port 65536, which is not between 1 and 65535"),
            ("http://10.88.2.2:http", "has port \"http\", which is not a number"),
            ("http://10.88.2.2:8081/api", "must not have a path, query or fragment (only http(s)://host:port)"),
            ("http://user@host:8081", "has host \"user@host\", which is neither an IPv4 address nor a DNS name"),
            ("http://[10.0.0.1]:8081", "has \"[10.0.0.1]\", which is not an IPv6 address"),
        ]
        for (url, problem) in cases {
            XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "url", url)), "nodes[1].url: \"\(url)\" \(problem)")
        }
        var document = base
        document["control"] = ["url": "http://:8080"]
        XCTAssertRejects(Fixtures.bytes(document),
                         "control.url: \"http://:8080\" has host \"\", which is neither an IPv4 address nor a DNS name")
    }

    func testAdvertiseListsIPLiterals() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "advertise", [])),
                         "nodes[0].advertise: must list at least one IP address")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "advertise", ["10.88.1.2", "office.example.com"])),
                         "nodes[0].advertise[1]: \"office.example.com\" is not an IP address (names are not resolved here)")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "advertise", ["0.0.0.0"])),
                         "nodes[0].advertise[0]: \"0.0.0.0\" is the unspecified address; advertise an address clients can reach")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "bind", "eth0")),
                         "nodes[0].bind: \"eth0\" is not an IP address")
        XCTAssertNoThrow(try DeploymentConfiguration.parse(Fixtures.bytes(setting(base, "nodes", 0, "bind", "::"))))
    }

    func testPortRanges() {
        for key in ["httpPort", "mediaPort"] {
            XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, key, 0)),
                             "nodes[1].\(key): must be between 1 and 65535, got 0")
            XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, key, 65536)),
                             "nodes[1].\(key): must be between 1 and 65535, got 65536")
            XCTAssertNoThrow(try DeploymentConfiguration.parse(Fixtures.bytes(setting(base, "nodes", 1, key, 65535))))
            XCTAssertNoThrow(try DeploymentConfiguration.parse(Fixtures.bytes(setting(base, "nodes", 1, key, 1))))
        }
    }

    func testLinksToNamesOtherExistingNodes() {
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 0, "linksTo", ["cloud-9"])),
                         "nodes[0].linksTo[0]: unknown node \"cloud-9\"")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "linksTo", ["office-1", "cloud-1"])),
                         "nodes[1].linksTo[1]: node \"cloud-1\" cannot link to itself")
        XCTAssertRejects(Fixtures.bytes(setting(base, "nodes", 1, "reachable", false)),
                         "nodes[0].linksTo[0]: nodes \"office-1\" and \"cloud-1\" are both unreachable, so neither can accept the link")
    }

    func testValidateOnAConfigurationBuiltInCode() {
        let url = ServiceURL(scheme: .http, host: "10.0.0.1", port: 8081)
        var configuration = DeploymentConfiguration(
            control: ControlEntry(url: url),
            zones: [ZoneEntry(name: "z")],
            nodes: [NodeEntry(id: "a", zone: "z", advertise: ["10.0.0.1"], url: url)]
        )
        XCTAssertNoThrow(try configuration.validate())
        configuration.version = 3
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual("\(error)", "version: must be 1, got 3")
        }
    }
}
