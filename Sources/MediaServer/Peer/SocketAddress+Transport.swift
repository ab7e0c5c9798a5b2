import NIOCore
import STUN

extension SocketAddress {
    /// The STUN module's value for this address (for XOR-MAPPED-ADDRESS and ICE bookkeeping).
    var transportAddress: TransportAddress? {
        switch self {
        case .v4(let address):
            let ip = UInt32(bigEndian: address.address.sin_addr.s_addr)
            return TransportAddress(ipv4: ip, port: UInt16(port ?? 0))
        case .v6:
            guard let ip = ipAddress, let port else { return nil }
            return TransportAddress(ip, port: UInt16(port))
        case .unixDomainSocket:
            return nil
        }
    }
}
