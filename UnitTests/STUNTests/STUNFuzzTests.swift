import STUN
import XCTest

/// Garbage, truncated and bit-flipped input must never trap; whatever parses must re-serialize
/// to an equal message.
final class STUNFuzzTests: XCTestCase {
    private func probe(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        _ = STUNMessage.looksLikeSTUN(bytes)
        _ = STUNMessage.bindingRequestUsername(in: bytes)
        guard let message = try? STUNMessage(parsing: bytes) else { return }
        _ = message.validateFingerprint()
        _ = message.validateMessageIntegrity(key: [1, 2, 3])
        _ = message.effectiveAttributes
        _ = message.unknownComprehensionRequiredTypes
        XCTAssertTrue(STUNMessage.looksLikeSTUN(bytes), file: file, line: line)
        let again = try? STUNMessage(parsing: message.serialized())
        XCTAssertEqual(again, message, file: file, line: line)
    }

    func testRandomBuffers() {
        var generator = SeededGenerator(state: 1)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<120, using: &generator)
            probe((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
    }

    func testValidHeaderWithRandomAttributes() {
        var generator = SeededGenerator(state: 2)
        for _ in 0..<20_000 {
            let bodyLength = 4 * Int.random(in: 0..<30, using: &generator)
            var bytes: [UInt8] = [0x00, 0x01, UInt8(bodyLength >> 8), UInt8(bodyLength & 0xFF), 0x21, 0x12, 0xA4, 0x42]
            bytes += (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var body: [UInt8] = []
            while body.count < bodyLength {
                // Mostly plausible TLVs with known types, sometimes pure noise.
                let types: [UInt16] = [0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x0020, 0x0024, 0x0025,
                                       0x8022, 0x8028, 0x8029, 0x802A, 0xC057, 0x0031]
                let type = types.randomElement(using: &generator)!
                let length = [0, 4, 8, 20, Int.random(in: 0...24, using: &generator)].randomElement(using: &generator)!
                body += [UInt8(type >> 8), UInt8(type & 0xFF), 0, UInt8(length)]
                body += (0..<((length + 3) & ~3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            bytes += body.prefix(bodyLength)
            probe(bytes)
        }
    }

    func testTruncationsAndBitFlipsOfVectors() {
        var generator = SeededGenerator(state: 3)
        let seeds = [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response, RFC5769.longTermRequest]
        for seed in seeds {
            for cut in 0...seed.count { probe(Array(seed[..<cut])) }
            for _ in 0..<5_000 {
                var bytes = seed
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                }
                probe(bytes)
            }
        }
    }

    func testRawBufferEntryPointsOnTinyBuffers() {
        for count in 0..<24 {
            let bytes = [UInt8](repeating: 0, count: count)
            bytes.withUnsafeBytes { buffer in
                _ = STUNMessage.looksLikeSTUN(buffer)
                _ = STUNMessage.bindingRequestUsername(in: buffer)
                _ = try? STUNMessage(parsing: buffer)
            }
        }
    }
}
