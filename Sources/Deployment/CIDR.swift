/// An address range in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6):
/// `10.0.0.0/8`, `::/0`, `fd00::/8`. A bare address is a single-address range (/32 or /128).
///
/// Host bits after the prefix are accepted and cleared (`10.1.2.3/8` is `10.0.0.0/8`): a zone
/// rule means "this network", and refusing the file over it would help nobody.
/// An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is stored as the IPv4 range it names, so it
/// matches the same clients as `10.0.0.0/8`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range (host bits cleared).
    public let network: IPAddress
    /// How many leading bits a matching address shares with `network`: 0...32 or 0...128.
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let address: IPAddress
        let length: Int
        if let slash = text.firstIndex(of: "/") {
            let digits = text[text.index(after: slash)...]
            guard let parsed = IPAddress(text[..<slash]),
                  (1...3).contains(digits.count),
                  digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(digits),
                  value <= parsed.bitWidth
            else { return nil }
            address = parsed
            length = value
        } else {
            guard let parsed = IPAddress(text) else { return nil }
            address = parsed
            length = parsed.bitWidth
        }
        self.init(address: address, prefixLength: length)
    }

    /// A range from an address and a prefix length (clamped to the address's width).
    public init(address: IPAddress, prefixLength: Int) {
        var address = address
        var length = max(0, min(prefixLength, address.bitWidth))
        if case .v6 = address, length >= 96, case .v4(let inner) = address.unmappingIPv4 {
            address = .v4(inner)
            length -= 96
        }
        self.prefixLength = length
        switch address {
        case .v4(let value):
            network = .v4(value & CIDR.mask32(length))
        case .v6(let value):
            network = .v6(value & CIDR.mask128(length))
        }
    }

    /// Whether `address` lies in this range. IPv4-mapped IPv6 addresses are compared as IPv4;
    /// an IPv4 address never matches an IPv6 range and the reverse (`::/0` does not match
    /// `10.1.2.3`).
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address.unmappingIPv4) {
        case (.v4(let net), .v4(let value)):
            return value & CIDR.mask32(prefixLength) == net
        case (.v6(let net), .v6(let value)):
            return value & CIDR.mask128(prefixLength) == net
        default:
            return false
        }
    }

    /// Whether the address in `text` lies in this range. Accepts what `IPAddress(clientAddress:)`
    /// accepts (brackets, `%zone` suffix, mapped IPv4); anything unparseable matches nothing.
    public func contains(_ text: String) -> Bool {
        guard let address = IPAddress(clientAddress: text) else { return false }
        return contains(address)
    }

    public var description: String {
        "\(network)/\(prefixLength)"
    }

    private static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    private static func mask128(_ length: Int) -> UInt128 {
        length == 0 ? 0 : UInt128.max << UInt128(128 - length)
    }
}
