#if canImport(Glibc)
import Glibc
#endif
import CShims
import NIOCore
import STUN

/// Preallocated memory for `capacity` datagrams laid out as `sendmmsg(2)` and `recvmmsg(2)` want
/// it: per slot a payload of `slotSize` bytes, a `sockaddr_storage`, an `iovec` and an `mmsghdr`
/// already pointing at each other. Used by the media worker's `DatagramBatch` (send) and by the
/// client's `ClientSocketPoller` (receive), so neither allocates per datagram.
final class DatagramSlots {
    /// Largest datagram a slot holds: an MTU-sized SRTP packet (1200 bytes plus trailer) or a
    /// DTLS flight fragment, with room to spare.
    static let slotSize = 2048
    let capacity: Int

    private let payloads: UnsafeMutableRawPointer
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    private let vectors: UnsafeMutablePointer<iovec>
    let headers: UnsafeMutablePointer<cshims_mmsghdr>

    init(capacity: Int) {
        self.capacity = capacity
        payloads = .allocate(byteCount: capacity * Self.slotSize, alignment: 16)
        addresses = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        headers = .allocate(capacity: capacity)
        for index in 0..<capacity {
            vectors[index] = iovec(iov_base: payloads + index * Self.slotSize, iov_len: Self.slotSize)
            headers[index] = cshims_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(addresses + index),
                                msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
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

    /// Slot `index`'s payload memory (`slotSize` bytes).
    func payload(_ index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: payloads + index * Self.slotSize, count: Self.slotSize)
    }

    // MARK: Sending

    /// Makes slot `index` a datagram of `length` payload bytes to `address`.
    func address(_ index: Int, to address: SocketAddress, length: Int) {
        let addressLength = address.withSockAddr { sockaddr, size in
            UnsafeMutableRawPointer(addresses + index).copyMemory(from: sockaddr, byteCount: size)
            return size
        }
        vectors[index].iov_len = length
        headers[index].msg_hdr.msg_namelen = socklen_t(addressLength)
    }

    // MARK: Receiving

    /// Gives every slot its whole payload and address space again, before a `recvmmsg`.
    func prepareForReceive() {
        for index in 0..<capacity {
            vectors[index].iov_len = Self.slotSize
            headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        }
    }

    /// Bytes `recvmmsg` wrote into slot `index`.
    func receivedLength(_ index: Int) -> Int {
        Int(headers[index].msg_len)
    }

    /// Where the datagram in slot `index` came from.
    func source(_ index: Int) -> TransportAddress? {
        let storage = UnsafeMutableRawPointer(addresses + index)
        switch Int32(addresses[index].ss_family) {
        case AF_INET:
            let address = storage.load(as: sockaddr_in.self)
            return TransportAddress(ipv4: UInt32(bigEndian: address.sin_addr.s_addr), port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            return SocketAddress(storage.load(as: sockaddr_in6.self), host: "").transportAddress
        default:
            return nil
        }
    }
}
