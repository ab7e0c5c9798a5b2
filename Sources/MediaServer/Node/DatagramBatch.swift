#if canImport(Glibc)
import Glibc
#endif
import CShims
import NIOCore

/// The outgoing datagrams of one worker between two flushes, written into preallocated slots
/// (`DatagramSlots`) and sent with one `sendmmsg(2)` per flush.
///
/// Why not NIO's write path: every datagram written through a `Channel` costs a `ByteBuffer`
/// allocation, a boxed `AddressedEnvelope` in `NIOAny`, an entry in the pending-write queue and
/// retains and releases — about a tenth of the worker's CPU per forwarded packet
/// (docs/benchmarks.md). Here a datagram is encrypted in place into its slot, so the fan-out
/// allocates nothing.
///
/// The socket is the worker's own UDP socket, which NIO also reads; both use it on the worker's
/// loop only. Sending never blocks: if the kernel has no room (`EAGAIN`, `ENOBUFS`) the rest of
/// the batch is dropped and counted, as a full queue on the wire would drop it, and NACK repairs
/// it; an error for one destination (a vanished route, a local firewall) skips that datagram only.
final class DatagramBatch {
    static var slotSize: Int { DatagramSlots.slotSize }
    private let slots: DatagramSlots
    private(set) var count = 0

    /// `capacity` datagrams per `sendmmsg`; a fuller batch is sent at once and a new one begun.
    init(capacity: Int = 64) {
        slots = DatagramSlots(capacity: capacity)
    }

    var isFull: Bool { count == slots.capacity }

    /// Writes one datagram of at most `length` (≤ `slotSize`) bytes into the next slot; `write`
    /// returns the bytes it wrote, 0 to send nothing. The batch must not be full.
    func append(to address: SocketAddress, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Bool {
        precondition(count < slots.capacity && length <= Self.slotSize)
        let written = write(UnsafeMutableRawBufferPointer(rebasing: slots.payload(count)[0..<length]))
        guard written > 0 else { return false }
        slots.address(count, to: address, length: written)
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
            let sent = cshims_sendmmsg(socket, slots.headers + next, UInt32(count - next))
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
