#if canImport(Glibc)
import Glibc
#endif
import CShims
import NIOCore

/// The outgoing datagrams of one worker between two flushes, written into preallocated slots and
/// sent with one `sendmmsg(2)` per flush.
///
/// Why not NIO's write path: every datagram written through a `Channel` costs a `ByteBuffer`
/// allocation, a boxed `AddressedEnvelope` in `NIOAny`, an entry in the pending-write queue and
/// retains and releases — about a tenth of the worker's CPU per forwarded packet
/// (docs/benchmarks.md). Here each slot has its payload memory, `sockaddr_storage`, `iovec` and
/// `mmsghdr`, already pointing at each other; a datagram is encrypted in place into its slot, so
/// the fan-out allocates nothing.
///
/// The socket is the worker's own UDP socket, which NIO also reads; both use it on the worker's
/// loop only. Sending never blocks: if the kernel has no room (`EAGAIN`, `ENOBUFS`) the rest of
/// the batch is dropped and counted, as a full queue on the wire would drop it, and NACK repairs
/// it; an error for one destination (a vanished route, a local firewall) skips that datagram only.
final class DatagramBatch {
    /// Largest datagram a slot holds: an MTU-sized SRTP packet (1200 bytes plus trailer) or a
    /// DTLS flight fragment, with room to spare.
    static let slotSize = 2048
    /// Datagrams per `sendmmsg`; a fuller batch is sent at once and a new one begun.
    let capacity: Int
    private(set) var count = 0

    private let payloads: UnsafeMutableRawPointer
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    private let vectors: UnsafeMutablePointer<iovec>
    private let headers: UnsafeMutablePointer<cshims_mmsghdr>

    init(capacity: Int = 64) {
        self.capacity = capacity
        payloads = .allocate(byteCount: capacity * Self.slotSize, alignment: 16)
        addresses = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        headers = .allocate(capacity: capacity)
        for index in 0..<capacity {
            vectors[index] = iovec(iov_base: payloads + index * Self.slotSize, iov_len: 0)
            headers[index] = cshims_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(addresses + index), msg_namelen: 0,
                                msg_iov: vectors + index, msg_iovlen: 1,
                                msg_control: nil, msg_controllen: 0, msg_flags: 0),
                msg_len: 0)
        }
    }

    deinit {
        payloads.deallocate()
        addresses.deallocate()
        vectors.deallocate()
        headers.deallocate()
    }

    var isFull: Bool { count == capacity }

    /// Writes one datagram of at most `length` (≤ `slotSize`) bytes into the next slot; `write`
    /// returns the bytes it wrote, 0 to send nothing. The batch must not be full.
    @discardableResult
    func append(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Bool {
        precondition(count < capacity && length <= Self.slotSize)
        let written = write(UnsafeMutableRawBufferPointer(start: payloads + count * Self.slotSize, count: length))
        guard written > 0 else { return false }
        let addressLength = address.withSockAddr { sockaddr, size in
            UnsafeMutableRawPointer(addresses + count).copyMemory(from: sockaddr, byteCount: size)
            return size
        }
        vectors[count].iov_len = written
        headers[count].msg_hdr.msg_namelen = socklen_t(addressLength)
        count += 1
        return true
    }

    struct FlushResult {
        var sent = 0
        /// Datagrams the kernel refused for lack of buffer space.
        var droppedNoBuffer = 0
        /// Datagrams refused for their destination (unreachable, forbidden).
        var failedDestination = 0
    }

    /// Sends everything appended since the last flush on `socket` and empties the batch.
    func flush(socket: CInt) -> FlushResult {
        var result = FlushResult()
        var next = 0
        while next < count {
            let sent = cshims_sendmmsg(socket, headers + next, UInt32(count - next))
            if sent > 0 {
                next += Int(sent)
                result.sent += Int(sent)
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS:
                result.droppedNoBuffer += count - next
                next = count
            default:
                // sendmmsg reports the error of the first datagram it could not send: skip it.
                result.failedDestination += 1
                next += 1
            }
        }
        count = 0
        return result
    }

    /// Forgets what was appended (the socket went away).
    func discard() {
        count = 0
    }
}
