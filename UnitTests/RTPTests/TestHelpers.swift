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
