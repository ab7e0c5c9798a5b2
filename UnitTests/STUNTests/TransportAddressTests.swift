import STUN
import XCTest

final class TransportAddressTests: XCTestCase {
    func testIPv4() {
        let address = TransportAddress("192.0.2.1", port: 3478)
        XCTAssertEqual(address, TransportAddress(ipv4: 0xC000_0201, port: 3478))
        XCTAssertEqual(address?.description, "192.0.2.1:3478")
        XCTAssertEqual(address?.ipBytes, [192, 0, 2, 1])
        XCTAssertEqual(TransportAddress(ipBytes: [192, 0, 2, 1], port: 3478), address)
        XCTAssertEqual(TransportAddress("192.0.2.1:3478"), address)
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "1..2.3"] {
            XCTAssertNil(TransportAddress(bad, port: 1), bad)
        }
    }

    func testIPv6CanonicalText() {
        let cases: [(String, String)] = [
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("fe80::1:2:3:4", "fe80::1:2:3:4"),
            ("::ffff:192.0.2.9", "::ffff:192.0.2.9"),
            ("::ffff:c000:209", "::ffff:192.0.2.9"),
            ("2001:db8::192.0.2.1", "2001:db8::c000:201"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ]
        for (input, canonical) in cases {
            XCTAssertEqual(TransportAddress(input, port: 9)?.ipString, canonical, input)
        }
        XCTAssertEqual(TransportAddress("[2001:db8::1]:443")?.description, "[2001:db8::1]:443")
        XCTAssertEqual(TransportAddress("2001:db8::1", port: 1)?.ipBytes.count, 16)
        for bad in [":", ":::", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1",
                    "::1.2.3.4:5", "1.2.3.4::", ":1", "1:"] {
            XCTAssertNil(TransportAddress(bad, port: 1), bad)
        }
        for bad in ["2001:db8::1:443", "[::1]", "[::1]:", "1.2.3.4:70000", "1.2.3.4:", "[::1]:-1"] {
            XCTAssertNil(TransportAddress(bad), bad)
        }
    }

    func testMappedIPv4AndHashing() {
        let mapped = TransportAddress("::ffff:10.0.0.1", port: 5)!
        XCTAssertEqual(mapped.unmappingIPv4, TransportAddress("10.0.0.1", port: 5))
        XCTAssertNotEqual(mapped, TransportAddress("10.0.0.1", port: 5))
        let set: Set = [TransportAddress("10.0.0.1", port: 5)!, TransportAddress("10.0.0.1", port: 6)!,
                        TransportAddress("10.0.0.1", port: 5)!]
        XCTAssertEqual(set.count, 2)
    }
}
