import XCTest
@testable import SFU

final class SequenceNumberUnwrapperTests: XCTestCase {
    func testWrapAroundAt65535() {
        var u = SequenceNumberUnwrapper()
        XCTAssertEqual(u.unwrap(65534), 65534)
        XCTAssertEqual(u.unwrap(65535), 65535)
        XCTAssertEqual(u.unwrap(0), 65536)
        XCTAssertEqual(u.unwrap(1), 65537)
    }

    func testReorderingAcrossWrap() {
        var u = SequenceNumberUnwrapper()
        XCTAssertEqual(u.unwrap(65535), 65535)
        XCTAssertEqual(u.unwrap(1), 65537)
        XCTAssertEqual(u.unwrap(0), 65536)      // late packet before the wrap point
        XCTAssertEqual(u.unwrap(65534), 65534)  // late packet from the previous cycle
        XCTAssertEqual(u.unwrap(2), 65538)
    }

    func testBackwardsBeforeFirstGoesNegative() {
        var u = SequenceNumberUnwrapper()
        XCTAssertEqual(u.unwrap(0), 0)
        XCTAssertEqual(u.unwrap(65535), -1)
    }

    func testManyCycles() {
        var u = SequenceNumberUnwrapper()
        var expected: Int64 = 100
        var seq: UInt16 = 100
        for _ in 0..<300_000 {
            XCTAssertEqual(u.unwrap(seq), expected)
            seq &+= 7
            expected += 7
        }
    }

    func testPeekDoesNotMove() {
        var u = SequenceNumberUnwrapper()
        _ = u.unwrap(65535)
        XCTAssertEqual(u.peek(3), 65539)
        XCTAssertEqual(u.lastUnwrapped, 65535)
    }

    func testTimestampWrap() {
        var u = TimestampUnwrapper()
        XCTAssertEqual(u.unwrap(UInt32.max - 1500), Int64(UInt32.max) - 1500)
        XCTAssertEqual(u.unwrap(1500), Int64(UInt32.max) + 1501)
        XCTAssertEqual(u.unwrap(UInt32.max), Int64(UInt32.max))  // reordered
        XCTAssertEqual(u.unwrap(4500), Int64(UInt32.max) + 4501)
    }
}
