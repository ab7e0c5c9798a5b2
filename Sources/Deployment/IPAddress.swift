/// An IPv4 or IPv6 address read from its textual form, with no name resolution (no getaddrinfo).
///
/// `IPAddress("10.1.2.3")` and `IPAddress("fd00::1")` accept bare literals only, as a
/// configuration file should contain them. `IPAddress(clientAddress:)` also accepts the forms a
/// socket layer or a proxy header hands over: `[::1]`, `fe80::1%eth0`, and it folds IPv4-mapped
/// IPv6 addresses (`::ffff:10.1.2.3`, what a dual-stack socket reports) back to IPv4.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses a bare IPv4 (dotted quad) or IPv6 (RFC 4291 §2.2) literal.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        if let v4 = IPAddress.parseIPv4(bytes[...]) {
            self = .v4(v4)
        } else if let v6 = IPAddress.parseIPv6(bytes[...]) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// Parses an address as a peer or proxy reports it: surrounding brackets and an IPv6 zone
    /// suffix (`%eth0`, RFC 4007 §11) are dropped, and IPv4-mapped IPv6 becomes IPv4.
    public init?(clientAddress text: some StringProtocol) {
        var literal = Substring(text)
        if literal.hasPrefix("[") {
            guard literal.hasSuffix("]"), literal.count >= 2 else { return nil }
            literal = literal.dropFirst().dropLast()
        }
        if let percent = literal.firstIndex(of: "%") {
            literal = literal[..<percent]
        }
        guard let address = IPAddress(literal) else { return nil }
        self = address.unmappingIPv4
    }

    /// 32 for IPv4, 128 for IPv6.
    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// `0.0.0.0` or `::`: "any address", meaningful for binding but not as a destination.
    public var isUnspecified: Bool {
        switch self {
        case .v4(let value): value == 0
        case .v6(let value): value == 0
        }
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2);
    /// any other address unchanged.
    public var unmappingIPv4: IPAddress {
        if case .v6(let value) = self, value >> 32 == 0xffff {
            return .v4(UInt32(truncatingIfNeeded: value))
        }
        return self
    }

    /// Canonical text: dotted quad, or RFC 5952 for IPv6 (lowercase, longest zero run as `::`).
    public var description: String {
        switch self {
        case .v4(let value):
            return IPAddress.formatIPv4(value)
        case .v6(let value):
            return IPAddress.formatIPv6(value)
        }
    }

    // MARK: - Parsing

    private static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var parts = 0
        var index = bytes.startIndex
        while true {
            let start = index
            var value: UInt32 = 0
            while index < bytes.endIndex, let digit = decimalDigit(bytes[index]) {
                value = value * 10 + digit
                index += 1
                if index - start > 3 { return nil }
            }
            let length = index - start
            // Leading zeros are rejected: "010" means 8 to some parsers and 10 to others.
            guard length > 0, value <= 255, length == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            result = result << 8 | value
            parts += 1
            if index == bytes.endIndex { break }
            guard bytes[index] == UInt8(ascii: "."), parts < 4 else { return nil }
            index += 1
        }
        return parts == 4 ? result : nil
    }

    private static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> UInt128? {
        guard bytes.count >= 2 else { return nil }
        // Split around the one "::" allowed (RFC 4291 §2.2, form 2).
        var head = bytes
        var tail: ArraySlice<UInt8>? = nil
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: ":") {
                head = bytes[bytes.startIndex..<index]
                tail = bytes[(index + 2)...]
                break
            }
            index += 1
        }
        let compressed = tail != nil
        guard let headGroups = parseGroups(head, mayEndWithIPv4: !compressed) else { return nil }
        guard let tailGroups = parseGroups(tail ?? [], mayEndWithIPv4: true) else { return nil }
        let count = headGroups.count + tailGroups.count
        if compressed {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        var value: UInt128 = 0
        for group in headGroups {
            value = value << 16 | UInt128(group)
        }
        value <<= UInt128(16 * (8 - count))
        // The compressed zeros sit between head and tail: shift the tail groups in last.
        for group in tailGroups {
            value = value << 16 | UInt128(group)
        }
        return value
    }

    /// Colon-separated hex groups of 1–4 digits; the last may be a dotted IPv4 (two groups,
    /// RFC 4291 §2.2 form 3). An empty input gives no groups; an empty group is an error.
    private static func parseGroups(_ bytes: ArraySlice<UInt8>, mayEndWithIPv4: Bool) -> [UInt16]? {
        if bytes.isEmpty { return [] }
        var groups: [UInt16] = []
        var start = bytes.startIndex
        while true {
            var end = start
            while end < bytes.endIndex && bytes[end] != UInt8(ascii: ":") { end += 1 }
            let piece = bytes[start..<end]
            let isLast = end == bytes.endIndex
            if isLast && mayEndWithIPv4 && piece.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(piece) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xffff))
            } else {
                guard !piece.isEmpty, piece.count <= 4 else { return nil }
                var group: UInt16 = 0
                for byte in piece {
                    guard let digit = hexDigit(byte) else { return nil }
                    group = group << 4 | digit
                }
                groups.append(group)
            }
            if isLast { return groups.count <= 8 ? groups : nil }
            start = end + 1
            if groups.count > 8 { return nil }
        }
    }

    private static func decimalDigit(_ byte: UInt8) -> UInt32? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? UInt32(byte - UInt8(ascii: "0")) : nil
    }

    private static func hexDigit(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    // MARK: - Formatting

    private static func formatIPv4(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    private static func formatIPv6(_ value: UInt128) -> String {
        // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
        if value >> 32 == 0xffff {
            return "::ffff:" + formatIPv4(UInt32(truncatingIfNeeded: value))
        }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(16 * (7 - $0))) }
        // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first if tied.
        var bestStart = -1
        var bestLength = 1
        var runStart = 0
        var runLength = 0
        for (index, group) in groups.enumerated() {
            if group == 0 {
                if runLength == 0 { runStart = index }
                runLength += 1
                if runLength > bestLength {
                    bestStart = runStart
                    bestLength = runLength
                }
            } else {
                runLength = 0
            }
        }
        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(groups[...]) }
        return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
    }
}
