#if canImport(Glibc)
import Glibc
#endif
import CShims
import NIOCore

/// Reads many client sockets on one event loop without a NIO read path: one `epoll_wait` (zero
/// timeout) every `intervalMicros`, then `recvmmsg` on each ready socket into preallocated slots.
///
/// Why: a load generator with hundreds of subscribers receives each forwarded packet on a
/// different socket, one or two at a time. Through NIO that costs, per datagram, a read
/// readiness round, a `SocketAddress` (formatted with `inet_ntop`), an `AddressedEnvelope` and a
/// pipeline call — about as much CPU as the media node spends forwarding it, on a machine whose
/// other core runs the node (docs/benchmarks.md). Polling adds at most `intervalMicros` of delay.
///
/// Writes still go through each socket's NIO channel. Every method runs on `loop`.
public final class ClientSocketPoller: @unchecked Sendable {
    public let loop: any EventLoop
    private let epoll: CInt
    private var sockets: [CInt: ClientUDPSocket] = [:]
    private let slots = DatagramSlots(capacity: 8)
    private let readyTokens = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    private var task: RepeatedTask?

    public init(loop: any EventLoop, intervalMicros: Int64 = 200) {
        self.loop = loop
        epoll = cshims_epoll_create()
        task = loop.scheduleRepeatedTask(initialDelay: .microseconds(intervalMicros), delay: .microseconds(intervalMicros)) {
            [self] _ in poll()
        }
    }

    deinit {
        close(epoll)
        readyTokens.deallocate()
    }

    func add(_ socket: ClientUDPSocket, descriptor: CInt) {
        loop.preconditionInEventLoop()
        sockets[descriptor] = socket
        _ = cshims_epoll_add_readable(epoll, descriptor, UInt64(descriptor))
    }

    /// Must run before the descriptor is closed (its number may be reused at once).
    func remove(descriptor: CInt) {
        loop.preconditionInEventLoop()
        guard sockets.removeValue(forKey: descriptor) != nil else { return }
        _ = cshims_epoll_remove(epoll, descriptor)
    }

    public func stop() {
        task?.cancel()
        task = nil
    }

    private func poll() {
        let ready = Int(cshims_epoll_ready(epoll, readyTokens, 256))
        guard ready > 0 else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        for index in 0..<ready {
            let descriptor = CInt(truncatingIfNeeded: readyTokens[index])
            guard let socket = sockets[descriptor] else { continue }
            drain(socket, descriptor: descriptor, nowNanos: now)
            socket.readBurstEnded()
        }
    }

    private func drain(_ socket: ClientUDPSocket, descriptor: CInt, nowNanos: UInt64) {
        while true {
            slots.prepareForReceive()
            let received = Int(cshims_recvmmsg(descriptor, slots.headers, UInt32(slots.capacity)))
            guard received > 0 else { return }
            for index in 0..<received {
                guard let source = slots.source(index) else { continue }
                socket.received(slots.payload(index), length: slots.receivedLength(index), from: source, nowNanos: nowNanos)
            }
            if received < slots.capacity { return }
        }
    }
}
