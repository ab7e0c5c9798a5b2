import XCTest
@testable import Deployment

final class CIDRTests: XCTestCase {
    func testParsing() {
        XCTAssertEqual(CIDR("10.0.0.0/8")?.description, "10.0.0.0/8")
        XCTAssertEqual(CIDR("10.1.2.3/8")?.description, "10.0.0.0/8", "host bits are cleared")
        XCTAssertEqual(CIDR("10.1.2.3")?.description, "10.1.2.3/32")
        XCTAssertEqual(CIDR("0.0.0.0/0")?.description, "0.0.0.0/0")
        XCTAssertEqual(CIDR("::/0")?.description, "::/0")
        XCTAssertEqual(CIDR("fd12:3456::/8")?.description, "fd00::/8")
        XCTAssertEqual(CIDR("fe80::1")?.description, "fe80::1/128")
        XCTAssertEqual(CIDR("::ffff:10.0.0.0/104")?.description, "10.0.0.0/8", "mapped ranges become IPv4")
        XCTAssertEqual(CIDR("::ffff:0:0/96")?.description, "0.0.0.0/0")
        XCTAssertEqual(CIDR("10.0.0.0/08")?.prefixLength, 8)
        for bad in ["", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
                    "10.0.0/8", "garbage", "10.0.0.0/ 8", "10.0.0.0/1000", "[::]/0", "fe80::%eth0/64"] {
            XCTAssertNil(CIDR(bad), bad)
        }
    }

    func testIPv4Matching() throws {
        let private10 = try XCTUnwrap(CIDR("10.0.0.0/8"))
        XCTAssertTrue(private10.contains("10.0.0.0"))
        XCTAssertTrue(private10.contains("10.255.255.255"))
        XCTAssertFalse(private10.contains("11.0.0.0"))
        XCTAssertFalse(private10.contains("9.255.255.255"))

        let all = try XCTUnwrap(CIDR("0.0.0.0/0"))
        XCTAssertTrue(all.contains("0.0.0.0"))
        XCTAssertTrue(all.contains("255.255.255.255"))
        XCTAssertFalse(all.contains("::1"), "an IPv4 range never matches IPv6")

        let host = try XCTUnwrap(CIDR("192.0.2.7/32"))
        XCTAssertTrue(host.contains("192.0.2.7"))
        XCTAssertFalse(host.contains("192.0.2.6"))
        XCTAssertFalse(host.contains("192.0.2.8"))

        let odd = try XCTUnwrap(CIDR("192.0.2.128/25"))
        XCTAssertTrue(odd.contains("192.0.2.200"))
        XCTAssertFalse(odd.contains("192.0.2.127"))
    }

    func testIPv6Matching() throws {
        let all = try XCTUnwrap(CIDR("::/0"))
        XCTAssertTrue(all.contains("::"))
        XCTAssertTrue(all.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
        XCTAssertFalse(all.contains("10.1.2.3"), "an IPv6 range never matches IPv4")
        XCTAssertFalse(all.contains("::ffff:10.1.2.3"), "a mapped address is IPv4")

        let ula = try XCTUnwrap(CIDR("fd00::/8"))
        XCTAssertTrue(ula.contains("fd12:3456::1"))
        XCTAssertTrue(ula.contains("[fdff::1]"))
        XCTAssertFalse(ula.contains("fc00::1"))
        XCTAssertFalse(ula.contains("fe00::1"))

        let host = try XCTUnwrap(CIDR("2001:db8::1/128"))
        XCTAssertTrue(host.contains("2001:db8::1"))
        XCTAssertTrue(host.contains("2001:DB8:0:0:0:0:0:1"))
        XCTAssertFalse(host.contains("2001:db8::2"))

        let linkLocal = try XCTUnwrap(CIDR("fe80::/10"))
        XCTAssertTrue(linkLocal.contains("fe80::1%eth0"))
        XCTAssertTrue(linkLocal.contains("[febf::1%2]"))
        XCTAssertFalse(linkLocal.contains("fec0::1"))
    }

    func testMappedAddressesMatchIPv4Ranges() throws {
        let office = try XCTUnwrap(CIDR("10.88.1.0/24"))
        XCTAssertTrue(office.contains("::ffff:10.88.1.7"))
        XCTAssertTrue(office.contains("[::ffff:10.88.1.7]"))
        XCTAssertFalse(office.contains("::ffff:10.88.2.7"))
        let mappedRange = try XCTUnwrap(CIDR("::ffff:10.88.1.0/120"))
        XCTAssertEqual(mappedRange, office)
        XCTAssertTrue(mappedRange.contains("10.88.1.7"))
    }

    func testGarbageMatchesNothing() throws {
        let all = try XCTUnwrap(CIDR("0.0.0.0/0"))
        for garbage in ["", "example.com", "10.1.2", "10.1.2.3:5000", "[10.1.2.3", "::g"] {
            XCTAssertFalse(all.contains(garbage), garbage)
            XCTAssertFalse(CIDR("::/0")!.contains(garbage), garbage)
        }
    }
}
