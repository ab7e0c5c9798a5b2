import XCTest
@testable import SFU

final class PacketHistoryTests: XCTestCase {
    private func store(_ history: PacketHistory, _ bytes: [UInt8], _ seq: Int64, _ now: UInt64) -> Bool {
        bytes.withUnsafeBytes { history.store(packet: $0, extendedSequence: seq, nowNanos: now) }
    }

    func testStoreAndRead() {
        let history = PacketHistory(capacity: 8, slotSize: 16)
        XCTAssertTrue(store(history, [1, 2, 3], 100, 0))
        XCTAssertEqual(history.withPacket(extendedSequence: 100) { Array($0) }, [1, 2, 3])
        XCTAssertNil(history.withPacket(extendedSequence: 101) { Array($0) })
        XCTAssertTrue(history.contains(extendedSequence: 100))
    }

    func testRingEvictsOldest() {
        let history = PacketHistory(capacity: 4, slotSize: 16)
        for seq in Int64(65534)...65541 { XCTAssertTrue(store(history, [UInt8(seq & 0xFF)], seq, 0)) }
        XCTAssertNil(history.withPacket(extendedSequence: 65537) { Array($0) })
        XCTAssertEqual(history.withPacket(extendedSequence: 65538) { Array($0) }, [0x02])
        XCTAssertEqual(history.withPacket(extendedSequence: 65541) { Array($0) }, [0x05])
        // Too old to fit any more.
        XCTAssertFalse(store(history, [9], 65537, 0))
        // A late packet still inside the window is accepted.
        let h2 = PacketHistory(capacity: 4, slotSize: 16)
        XCTAssertTrue(store(h2, [1], 10, 0))
        XCTAssertTrue(store(h2, [3], 12, 0))
        XCTAssertTrue(store(h2, [2], 11, 0))
        XCTAssertEqual(h2.withPacket(extendedSequence: 11) { Array($0) }, [2])
        XCTAssertEqual(h2.newestSequence, 12)
    }

    func testOversizedPacketRejected() {
        let history = PacketHistory(capacity: 4, slotSize: 4)
        XCTAssertFalse(store(history, [1, 2, 3, 4, 5], 1, 0))
        XCTAssertNil(history.withPacket(extendedSequence: 1) { $0.count })
    }

    func testRetransmissionRateLimitAndAge() {
        let ms: UInt64 = 1_000_000
        let history = PacketHistory(capacity: 16, slotSize: 32, maxRetransmissionAgeNanos: 1000 * ms,
                                    minimumResendIntervalNanos: 100 * ms)
        XCTAssertTrue(store(history, [7], 5, 0))
        XCTAssertEqual(history.withPacketForRetransmission(extendedSequence: 5, nowNanos: 10 * ms) { $0[0] }, 7)
        XCTAssertNil(history.withPacketForRetransmission(extendedSequence: 5, nowNanos: 60 * ms) { $0[0] })
        XCTAssertEqual(history.withPacketForRetransmission(extendedSequence: 5, nowNanos: 110 * ms) { $0[0] }, 7)
        XCTAssertNil(history.withPacketForRetransmission(extendedSequence: 5, nowNanos: 1001 * ms) { $0[0] })
        // Plain reads are not limited.
        XCTAssertEqual(history.withPacket(extendedSequence: 5) { $0[0] }, 7)
    }

    func testRemoveAll() {
        let history = PacketHistory(capacity: 4, slotSize: 4)
        XCTAssertTrue(store(history, [1], 1, 0))
        history.removeAll()
        XCTAssertNil(history.withPacket(extendedSequence: 1) { $0.count })
        XCTAssertNil(history.newestSequence)
    }
}
