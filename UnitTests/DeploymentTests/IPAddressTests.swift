import XCTest
@testable import Deployment

final class IPAddressTests: XCTestCase {
    func testIPv4() {
        XCTAssertEqual(IPAddress("10.1.2.3"), .v4(0x0a01_0203))
        XCTAssertEqual(IPAddress("0.0.0.0"), .v4(0))
        XCTAssertEqual(IPAddress("255.255.255.255"), .v4(.max))
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4.", ".1.2.3.4",
                    "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.1000", "a.b.c.d", "1.2.3.4/8"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testIPv6() {
        XCTAssertEqual(IPAddress("::"), .v6(0))
        XCTAssertEqual(IPAddress("::1"), .v6(1))
        XCTAssertEqual(IPAddress("1::"), .v6(UInt128(1) << 112))
        XCTAssertEqual(IPAddress("2001:DB8::8:800:200C:417A"), IPAddress("2001:db8:0:0:8:800:200c:417a"))
        XCTAssertEqual(IPAddress("::ffff:10.1.2.3"), .v6(0xffff_0a01_0203))
        XCTAssertEqual(IPAddress("1:2:3:4:5:6:7:8"), .v6(0x0001_0002_0003_0004_0005_0006_0007_0008))
        XCTAssertEqual(IPAddress("1:2:3:4:5:6:1.2.3.4"), .v6(0x0001_0002_0003_0004_0005_0006_0102_0304))
        XCTAssertEqual(IPAddress("1::8"), .v6(UInt128(1) << 112 | 8))
        for bad in [":", ":::", "1:::2", "1::2::3", ":1::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
                    "1::2:3:4:5:6:7:8", "12345::", "g::", "1.2.3.4::", "::1.2.3", "[::1]", "fe80::1%eth0",
                    "1:2:3:4:5:6:7:1.2.3.4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testClientAddressForms() {
        XCTAssertEqual(IPAddress(clientAddress: "[::1]"), .v6(1))
        XCTAssertEqual(IPAddress(clientAddress: "fe80::1%eth0"), IPAddress("fe80::1"))
        XCTAssertEqual(IPAddress(clientAddress: "[fe80::1%25eth0]"), IPAddress("fe80::1"))
        XCTAssertEqual(IPAddress(clientAddress: "::ffff:10.1.2.3"), .v4(0x0a01_0203))
        XCTAssertEqual(IPAddress(clientAddress: "::FFFF:a01:203"), .v4(0x0a01_0203))
        XCTAssertNil(IPAddress(clientAddress: "[::1"))
        XCTAssertNil(IPAddress(clientAddress: "[]"))
        XCTAssertNil(IPAddress(clientAddress: "localhost"))
    }

    func testCanonicalText() {
        let cases = [
            "::": "::", "::1": "::1", "2001:DB8:0:0:8:800:200C:417A": "2001:db8::8:800:200c:417a",
            "2001:db8:0:1:0:0:0:1": "2001:db8:0:1::1", "1:0:0:2:0:0:0:3": "1:0:0:2::3",
            "1:0:0:2:0:0:3:4": "1::2:0:0:3:4", "1:2:3:4:5:6:7:0": "1:2:3:4:5:6:7:0",
            "::ffff:10.1.2.3": "::ffff:10.1.2.3", "010.1.1.1": "", "10.0.0.255": "10.0.0.255",
        ]
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress(input)?.description ?? "", expected, input)
        }
    }
}
