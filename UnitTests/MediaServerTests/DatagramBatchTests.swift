#if canImport(Glibc)
import Glibc
#endif
@testable import MediaServer
import NIOCore
import XCTest

/// A UDP socket on 127.0.0.1 (non-blocking, as `UDPSocketDescriptor` makes them) that the tests
/// read with a timeout.
private final class TestReceiver {
    let descriptor: CInt
    let address: SocketAddress

    init() throws {
        let descriptor = try UDPSocketDescriptor.bound(host: "127.0.0.1", port: 0)
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        address = try SocketAddress(ipAddress: "127.0.0.1", port: Int(UInt16(bigEndian: storage.sin_port)))
    }

    deinit { close(descriptor) }

    /// Waits (≤ 2 s) for the next datagram: the socket is non-blocking, so poll first.
    func receive() -> [UInt8]? {
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&pollDescriptor, 1, 2_000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? Array(buffer[0..<count]) : nil
    }
}

final class DatagramBatchTests: XCTestCase {
    private func append(_ batch: DatagramBatch, _ bytes: [UInt8], to address: SocketAddress) {
        XCTAssertTrue(batch.append(to: address, length: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        })
    }

    func testOneFlushSendsEveryDatagramToItsOwnDestinationInOrder() throws {
        let sender = try UDPSocketDescriptor.bound(host: "127.0.0.1", port: 0)
        defer { close(sender) }
        let first = try TestReceiver(), second = try TestReceiver()
        let batch = DatagramBatch(capacity: 4)
        append(batch, [1, 1, 1], to: first.address)
        append(batch, [2, 2], to: second.address)
        append(batch, [3], to: first.address)
        XCTAssertFalse(batch.isFull)
        // A writer that writes nothing queues nothing.
        XCTAssertFalse(batch.append(to: first.address, length: 10) { _ in 0 })
        XCTAssertEqual(batch.count, 3)

        let result = batch.flush(socket: sender)
        XCTAssertEqual(result.sent, 3)
        XCTAssertEqual(batch.count, 0)
        XCTAssertEqual(first.receive(), [1, 1, 1])
        XCTAssertEqual(first.receive(), [3])
        XCTAssertEqual(second.receive(), [2, 2])
    }

    func testADestinationTheKernelRefusesIsSkippedAndTheRestStillGo() throws {
        let sender = try UDPSocketDescriptor.bound(host: "0.0.0.0", port: 0)
        defer { close(sender) }
        let receiver = try TestReceiver()
        // Broadcast without SO_BROADCAST: sendmmsg fails that one datagram with EACCES.
        let broadcast = try SocketAddress(ipAddress: "255.255.255.255", port: 9)
        let batch = DatagramBatch(capacity: 8)
        append(batch, [1], to: receiver.address)
        append(batch, [9], to: broadcast)
        append(batch, [2], to: receiver.address)
        append(batch, [9], to: broadcast)

        let result = batch.flush(socket: sender)
        XCTAssertEqual(result.sent, 2)
        XCTAssertEqual(result.failedDestination, 2)
        XCTAssertEqual(result.droppedNoBuffer, 0)
        XCTAssertEqual(receiver.receive(), [1])
        XCTAssertEqual(receiver.receive(), [2])
    }

    func testABatchFillsUpAtItsCapacity() throws {
        let receiver = try TestReceiver()
        let batch = DatagramBatch(capacity: 2)
        append(batch, [1], to: receiver.address)
        append(batch, [2], to: receiver.address)
        XCTAssertTrue(batch.isFull)
        batch.discard()
        XCTAssertEqual(batch.count, 0)
        XCTAssertFalse(batch.isFull)
    }
}
