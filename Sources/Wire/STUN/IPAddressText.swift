/// Text forms of IP addresses: dotted quad for IPv4, RFC 4291 §2.2 input and RFC 5952 output for IPv6.
/// Written by hand so the Wire layer needs neither Foundation nor libc.
enum IPAddressText {
    /// "a.b.c.d" with decimal octets 0...255 and no leading zeros beyond a single "0".
    static func parseIPv4(_ text: Substring) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard octets < 4, !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  !(part.count > 1 && part.first == "0"), let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
            octets += 1
        }
        return octets == 4 ? value : nil
    }

    /// RFC 4291 §2.2 text: up to 8 hex groups, at most one "::", optionally ending in a dotted IPv4.
    static func parseIPv6(_ text: Substring) -> (high: UInt64, low: UInt64)? {
        guard text.count >= 2, text.count <= 45 else { return nil }
        let head: Substring
        let tail: Substring?
        if let range = text.firstRange(of: "::") {
            let rest = text[range.upperBound...]
            guard !rest.contains("::") else { return nil }
            head = text[..<range.lowerBound]
            tail = rest
        } else {
            head = text
            tail = nil
        }
        guard let headGroups = parseGroups(head, allowIPv4Suffix: tail == nil) else { return nil }
        var groups: [UInt16]
        if let tail {
            guard let tailGroups = parseGroups(tail, allowIPv4Suffix: true),
                  headGroups.count + tailGroups.count <= 7 else { return nil }
            groups = headGroups + Array(repeating: 0, count: 8 - headGroups.count - tailGroups.count) + tailGroups
        } else {
            groups = headGroups
        }
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, group) in groups.enumerated() {
            if index < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        return (high, low)
    }

    /// Colon-separated 16-bit hex groups; an empty string is zero groups.
    private static func parseGroups(_ text: Substring, allowIPv4Suffix: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, part.contains(".") {
                guard allowIPv4Suffix, let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard !part.isEmpty, part.count <= 4, part.utf8.allSatisfy(isHexDigit),
                  let group = UInt16(part, radix: 16) else { return nil }
            groups.append(group)
        }
        return groups.count <= 8 ? groups : nil
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    static func formatIPv4(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// RFC 5952 §4: lowercase, no leading zeros, the longest run (first on a tie) of two or more
    /// zero groups as "::", and IPv4-mapped addresses (§5) with a dotted tail.
    static func formatIPv6(high: UInt64, low: UInt64) -> String {
        if high == 0, low >> 32 == 0xFFFF {
            return "::ffff:" + formatIPv4(UInt32(truncatingIfNeeded: low))
        }
        var groups = [UInt16]()
        groups.reserveCapacity(8)
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }

        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength { bestStart = index; bestLength = end - index }
                index = end
            } else {
                index += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }

        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(groups[...]) }
        return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
    }
}
