/// A STUN method (RFC 8489 §5): 12 bits. Only Binding is used by ICE.
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    /// Values above 0xFFF do not fit the message type field; they are masked.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    /// RFC 8489 §18.2.
    public static let binding = STUNMethod(rawValue: 0x001)

    public var description: String { self == .binding ? "Binding" : "Method(0x\(String(rawValue, radix: 16)))" }
}

/// The class of a STUN message (RFC 8489 §5).
public enum STUNMessageClass: UInt8, Hashable, Sendable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// RFC 8489 §5: the 14-bit message type interleaves method bits M0..M11 with class bits C0, C1:
/// `M11..M7 C1 M6..M4 C0 M3..M0`.
enum STUNMessageType {
    static func encode(method: STUNMethod, messageClass: STUNMessageClass) -> UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    /// The caller has already checked that the two top bits are zero.
    static func decode(_ type: UInt16) -> (STUNMethod, STUNMessageClass) {
        let method = (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2)
        let classBits = UInt8(((type >> 4) & 0b01) | ((type >> 7) & 0b10))
        return (STUNMethod(rawValue: method), STUNMessageClass(rawValue: classBits)!)
    }
}

/// The 96-bit transaction ID (RFC 8489 §6). Kept as two integers so it hashes without allocating;
/// clients match responses to outstanding requests with it.
public struct STUNTransactionID: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0..<4 (big-endian).
    public let high: UInt32
    /// Bytes 4..<12 (big-endian).
    public let low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Exactly 12 bytes, or nil.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 4 { high = high << 8 | UInt32(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// RFC 8489 §6: "uniformly and randomly chosen from the interval 0 .. 2**96-1, and MUST be
    /// cryptographically random". The system generator is; tests may inject their own.
    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> STUNTransactionID {
        STUNTransactionID(high: UInt32.random(in: .min ... .max, using: &generator),
                          low: UInt64.random(in: .min ... .max, using: &generator))
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(12)
        appendBytes(to: &out)
        return out
    }

    func appendBytes(to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt32(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
