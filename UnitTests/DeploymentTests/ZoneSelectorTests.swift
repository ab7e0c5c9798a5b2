import XCTest
@testable import Deployment

final class ZoneSelectorTests: XCTestCase {
    /// paris (10.1/16, fd00:1::/32; fallback cloud then berlin), berlin (10.2/16; fallback
    /// cloud), cloud (everything else), plus a few more nodes so ranking has choices.
    func makeConfiguration() throws -> DeploymentConfiguration {
        var configuration = try DeploymentConfiguration.parse(Fixtures.bytes(Fixtures.threeSites))
        let url = ServiceURL(scheme: .http, host: "203.0.113.20", port: 8081)
        configuration.nodes += [
            NodeEntry(id: "paris-2", zone: "paris", reachable: false, advertise: ["10.1.0.11"]),
            NodeEntry(id: "paris-3", zone: "paris", reachable: false, advertise: ["10.1.0.12"]),
            NodeEntry(id: "cloud-3", zone: "cloud", advertise: ["203.0.113.12"], url: url),
        ]
        configuration.zones[0].cidrs.append(CIDR("10.1.200.0/24")!)
        configuration.zones[1].cidrs.append(CIDR("10.1.200.128/25")!)
        try configuration.validate()
        return configuration
    }

    func testLongestPrefixAcrossZones() throws {
        let selector = ZoneSelector(try makeConfiguration())
        XCTAssertEqual(selector.zone(forClientAddress: "10.1.3.4"), "paris")
        XCTAssertEqual(selector.zone(forClientAddress: "10.2.3.4"), "berlin")
        XCTAssertEqual(selector.zone(forClientAddress: "10.3.3.4"), "cloud")
        XCTAssertEqual(selector.zone(forClientAddress: "198.51.100.1"), "cloud")
        // 10.1.200.128/25 (berlin) is longer than paris's 10.1.200.0/24 and 10.1.0.0/16.
        XCTAssertEqual(selector.zone(forClientAddress: "10.1.200.200"), "berlin")
        XCTAssertEqual(selector.zone(forClientAddress: "10.1.200.100"), "paris")
        XCTAssertEqual(selector.zone(forClientAddress: "::ffff:10.2.0.1"), "berlin")
        XCTAssertEqual(selector.zone(forClientAddress: "fd00:1::5"), "paris")
        XCTAssertEqual(selector.zone(forClientAddress: "[fd00:1::5%eth0]"), "paris")
        XCTAssertEqual(selector.zone(forClientAddress: "2001:db8::1"), "cloud")
        XCTAssertNil(selector.zone(forClientAddress: "not-an-address"))
    }

    func testNoMatchingZone() throws {
        var configuration = try makeConfiguration()
        configuration.zones[2].cidrs = [CIDR("::/0")!]
        let selector = ZoneSelector(configuration)
        XCTAssertNil(selector.zone(forClientAddress: "198.51.100.1"))
        // Without a zone, any healthy node in file order.
        XCTAssertEqual(selector.placement(room: "r", clientAddress: "198.51.100.1", healthy: ["cloud-2", "berlin-1"])?.id,
                       "berlin-1")
    }

    func testSameRoomSameNode() throws {
        let selector = ZoneSelector(try makeConfiguration())
        let healthy: Set = ["paris-1", "paris-2", "paris-3", "berlin-1", "cloud-1", "cloud-2", "cloud-3"]
        for room in (0..<50).map({ "room-\($0)" }) {
            let first = selector.placement(room: room, clientAddress: "10.1.0.50", healthy: healthy)
            for client in ["10.1.9.9", "10.1.200.1", "fd00:1::77", "::ffff:10.1.4.4"] {
                XCTAssertEqual(selector.placement(room: room, clientAddress: client, healthy: healthy), first)
            }
            XCTAssertEqual(first?.zone, "paris")
        }
    }

    func testRemovingANodeMovesOnlyItsRooms() throws {
        let selector = ZoneSelector(try makeConfiguration())
        let all: Set = ["paris-1", "paris-2", "paris-3", "berlin-1", "cloud-1", "cloud-2", "cloud-3"]
        let rooms = (0..<200).map { "meeting-\($0)" }
        let before = rooms.map { selector.placement(room: $0, clientAddress: "10.1.0.9", healthy: all)!.id }

        // Rooms spread over the zone's three nodes.
        for node in ["paris-1", "paris-2", "paris-3"] {
            let share = before.filter { $0 == node }.count
            XCTAssertGreaterThan(share, 40, "\(node) got \(share) of 200 rooms")
        }

        for removed in ["paris-1", "paris-2", "paris-3"] {
            var healthy = all
            healthy.remove(removed)
            for (room, previous) in zip(rooms, before) {
                let now = selector.placement(room: room, clientAddress: "10.1.0.9", healthy: healthy)!.id
                if previous == removed {
                    XCTAssertNotEqual(now, removed)
                    XCTAssertEqual(now.hasPrefix("paris-"), true, "moves within the zone")
                    // It moves to the room's second choice, which every process agrees on.
                    let ranked = selector.candidates(room: room, clientAddress: "10.1.0.9", healthy: all)
                    XCTAssertEqual(now, ranked[1].id)
                } else {
                    XCTAssertEqual(now, previous, "\(room) moved although \(previous) is still healthy")
                }
            }
        }
    }

    func testFallbackOrder() throws {
        let selector = ZoneSelector(try makeConfiguration())
        let everything: Set = ["paris-1", "paris-2", "paris-3", "berlin-1", "cloud-1", "cloud-2", "cloud-3"]
        let candidates = selector.candidates(room: "standup", clientAddress: "10.1.0.9", healthy: everything).map(\.id)
        // Paris's own nodes first (rendezvous order), then cloud (fallback 1), then berlin (fallback 2).
        XCTAssertEqual(Set(candidates[0..<3]), ["paris-1", "paris-2", "paris-3"])
        XCTAssertEqual(Array(candidates[0..<3]), RendezvousHash.rank(["paris-1", "paris-2", "paris-3"], for: "standup"))
        XCTAssertEqual(Array(candidates[3..<6]), RendezvousHash.rank(["cloud-1", "cloud-2", "cloud-3"], for: "standup"))
        XCTAssertEqual(candidates[6], "berlin-1")
        XCTAssertEqual(candidates.count, 7)

        // No paris node healthy: a cloud node, the same one for every paris client of the room.
        let noParis: Set = ["berlin-1", "cloud-1", "cloud-2", "cloud-3"]
        let cloud = selector.placement(room: "standup", clientAddress: "10.1.0.9", healthy: noParis)
        XCTAssertEqual(cloud?.zone, "cloud")
        XCTAssertEqual(cloud?.id, RendezvousHash.rank(["cloud-1", "cloud-2", "cloud-3"], for: "standup")[0])

        // Neither paris nor cloud: berlin, the second fallback.
        XCTAssertEqual(selector.placement(room: "standup", clientAddress: "10.1.0.9", healthy: ["berlin-1"])?.id, "berlin-1")

        // Berlin's fallback is cloud only; with cloud and berlin down, any healthy node (paris).
        let berlinClient = selector.candidates(room: "standup", clientAddress: "10.2.0.9", healthy: ["paris-2", "paris-1"])
        XCTAssertEqual(berlinClient.map(\.id), ["paris-1", "paris-2"], "file order once the fallbacks are exhausted")

        XCTAssertNil(selector.placement(room: "standup", clientAddress: "10.1.0.9", healthy: []))
        XCTAssertNil(selector.placement(room: "standup", clientAddress: "10.1.0.9", healthy: ["no-such-node"]))
    }

    func testPlacementByZoneName() throws {
        let selector = ZoneSelector(try makeConfiguration())
        let healthy: Set = ["berlin-1", "cloud-1"]
        XCTAssertEqual(selector.placement(room: "r", zone: "berlin", healthy: healthy)?.id, "berlin-1")
        XCTAssertEqual(selector.placement(room: "r", zone: "unknown-zone", healthy: healthy)?.id, "berlin-1")
        XCTAssertEqual(selector.placement(room: "r", zone: nil, healthy: ["cloud-1"])?.id, "cloud-1")
    }

    func testStableHash() {
        // FNV-1a 64 reference values (http://www.isthe.com/chongo/src/fnv/test_fnv.c).
        XCTAssertEqual(RendezvousHash.fnv1a64("".utf8), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(RendezvousHash.fnv1a64("a".utf8), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(RendezvousHash.fnv1a64("foobar".utf8), 0x8594_4171_f739_67e8)
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        XCTAssertNotEqual(RendezvousHash.weight(key: "ab", node: "c"), RendezvousHash.weight(key: "a", node: "bc"))
        // Pinned so a change of hash (which would move every room in a running deployment) is seen.
        // (Values computed independently with a Python transcription of the same algorithm.)
        XCTAssertEqual(RendezvousHash.weight(key: "room-1", node: "node-a"), 0xd027_1159_ab0e_3dcc)
        XCTAssertEqual(RendezvousHash.rank(["node-a", "node-b", "node-c"], for: "room-1"), ["node-c", "node-a", "node-b"])
        XCTAssertEqual(RendezvousHash.rank(["node-b", "node-c", "node-a"], for: "room-1"), ["node-c", "node-a", "node-b"])
    }
}
