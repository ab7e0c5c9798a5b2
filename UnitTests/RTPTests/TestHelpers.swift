import XCTest
@testable import RTP

/// Deterministic xorshift PRNG so fuzz-style tests are reproducible.
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        .joined(separator: " ")
}

/// Parses `bytes` as one RTP header.
func parseRTP(_ bytes: [UInt8]) -> RTPHeader? {
    bytes.withUnsafeBytes { RTPHeader.parse($0) }
}

extension Array where Element == UInt8 {
    /// Bytes from hex digits (a crash file as `xxd -p` prints it).
    init(hexString: String) {
        let digits = Array(hexString.utf8.filter { UInt8(ascii: "0")...UInt8(ascii: "f") ~= $0 })
        self = stride(from: 0, to: digits.count - 1, by: 2).map {
            UInt8(String(decoding: digits[$0...($0 + 1)], as: UTF8.self), radix: 16)!
        }
    }
}
