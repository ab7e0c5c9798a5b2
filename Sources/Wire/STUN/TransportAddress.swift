/// An IP address and UDP/TCP port: one end of a 5-tuple as ICE sees it (RFC 8445 §3 "transport address").
///
/// Stored as two 64-bit words so hashing and comparison never touch the heap; the demultiplexer
/// keys per-peer state by this type.
public struct TransportAddress: Hashable, Sendable {
    public enum Family: Hashable, Sendable {
        case ipv4
        case ipv6
    }

    public let family: Family
    /// Address bytes 0..<8 (big-endian). Always 0 for IPv4.
    public let high: UInt64
    /// Address bytes 8..<16 (big-endian). For IPv4 the address is the low 32 bits.
    public let low: UInt64
    public let port: UInt16

    /// IPv4 address given as a host-order integer, e.g. `0x7F00_0001` for 127.0.0.1.
    public init(ipv4: UInt32, port: UInt16) {
        self.family = .ipv4
        self.high = 0
        self.low = UInt64(ipv4)
        self.port = port
    }

    /// IPv6 address given as two host-order integers (bytes 0..<8 and 8..<16).
    public init(ipv6High: UInt64, ipv6Low: UInt64, port: UInt16) {
        self.family = .ipv6
        self.high = ipv6High
        self.low = ipv6Low
        self.port = port
    }

    /// Builds an address from 4 (IPv4) or 16 (IPv6) network-order bytes; nil for any other count.
    public init?(ipBytes: some Collection<UInt8>, port: UInt16) {
        switch ipBytes.count {
        case 4:
            var value: UInt32 = 0
            for byte in ipBytes { value = value << 8 | UInt32(byte) }
            self.init(ipv4: value, port: port)
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in ipBytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.init(ipv6High: high, ipv6Low: low, port: port)
        default:
            return nil
        }
    }

    /// Parses a textual IP ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"); nil if it is not one.
    public init?(_ ip: String, port: UInt16) {
        if let v4 = IPAddressText.parseIPv4(Substring(ip)) {
            self.init(ipv4: v4, port: port)
        } else if let v6 = IPAddressText.parseIPv6(Substring(ip)) {
            self.init(ipv6High: v6.high, ipv6Low: v6.low, port: port)
        } else {
            return nil
        }
    }

    /// Parses "192.0.2.1:3478" or "[2001:db8::1]:3478".
    public init?(_ hostAndPort: String) {
        let text = Substring(hostAndPort)
        let host: Substring
        let portText: Substring
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard IPAddressText.parseIPv4(host) != nil else { return nil }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII),
              let port = UInt16(portText) else { return nil }
        self.init(String(host), port: port)
    }

    public var isIPv4: Bool { family == .ipv4 }

    /// The IPv4 address as a host-order integer, or nil for IPv6.
    public var ipv4Value: UInt32? { family == .ipv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// 4 or 16 network-order bytes.
    public var ipBytes: [UInt8] {
        switch family {
        case .ipv4:
            let value = UInt32(truncatingIfNeeded: low)
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .ipv6:
            var bytes = [UInt8]()
            bytes.reserveCapacity(16)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
            return bytes
        }
    }

    /// A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2); this returns
    /// the plain IPv4 address for those and `self` otherwise.
    public var unmappingIPv4: TransportAddress {
        guard family == .ipv6, high == 0, low >> 32 == 0xFFFF else { return self }
        return TransportAddress(ipv4: UInt32(truncatingIfNeeded: low), port: port)
    }

    /// The IP alone, IPv6 in RFC 5952 canonical form.
    public var ipString: String {
        switch family {
        case .ipv4: return IPAddressText.formatIPv4(UInt32(truncatingIfNeeded: low))
        case .ipv6: return IPAddressText.formatIPv6(high: high, low: low)
        }
    }
}

extension TransportAddress: CustomStringConvertible {
    /// "192.0.2.1:3478" or "[2001:db8::1]:3478".
    public var description: String {
        switch family {
        case .ipv4: return "\(ipString):\(port)"
        case .ipv6: return "[\(ipString)]:\(port)"
        }
    }
}
