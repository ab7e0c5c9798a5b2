#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// A UDP socket made and bound here rather than by NIO, so its owner knows the descriptor and can
/// send batches on it directly (`DatagramBatch`); it is then handed to NIO with
/// `DatagramBootstrap.withBoundSocket`, which reads it, owns it and closes it.
enum UDPSocketDescriptor {
    static func bound(host: String, port: Int) throws -> CInt {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let descriptor = socket(address.protocol.rawValue,
                                Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        // No SO_REUSEADDR: for UDP it lets sockets share a port (even an ephemeral one picked for
        // port 0), and the kernel then delivers each datagram to only one of them.
        guard address.withSockAddr({ bind(descriptor, $0, socklen_t($1)) }) == 0 else {
            let code = errno
            close(descriptor)
            throw IOError(errnoCode: code, reason: "bind \(host):\(port)")
        }
        return descriptor
    }
}
