// A small, fixed-capacity list of header extension elements stored inline (no heap), used to
// describe the extensions the SFU stamps on each forwarded packet (RFC 8285 §4).

/// Up to `capacity` elements with at most `dataCapacity` value bytes in total, stored inline.
/// Appending beyond capacity fails (returns false) rather than allocating.
public struct RTPExtensionElements: Sendable {
    public static let capacity = 8
    public static let dataCapacity = 128

    public private(set) var count = 0
    private var dataLength = 0
    private var ids: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var offsets: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var lengths: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    // 16 × 8 = 128 bytes of value storage.
    private var data: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Appends an element whose value is `bytes`. Returns false if `id` is 0, the value is
    /// longer than 255 bytes, or the list is full.
    @discardableResult
    public mutating func append(id: UInt8, bytes: UnsafeRawBufferPointer) -> Bool {
        guard let start = reserve(id: id, length: bytes.count) else { return false }
        withUnsafeMutableBytes(of: &data) { storage in
            for i in 0..<bytes.count { storage[start + i] = bytes[i] }
        }
        return true
    }

    /// Appends an element from up to 4 big-endian bytes of `value` (the low `length` bytes).
    @discardableResult
    public mutating func append(id: UInt8, bigEndian value: UInt32, length: Int) -> Bool {
        guard length >= 0, length <= 4, let start = reserve(id: id, length: length) else { return false }
        withUnsafeMutableBytes(of: &data) { storage in
            for i in 0..<length {
                storage[start + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(length - 1 - i)))
            }
        }
        return true
    }

    /// Appends a string element (mid, rid) as its UTF-8 bytes, without allocating.
    @discardableResult
    public mutating func append(id: UInt8, string: String) -> Bool {
        let utf8 = string.utf8
        guard let start = reserve(id: id, length: utf8.count) else { return false }
        withUnsafeMutableBytes(of: &data) { storage in
            var i = start
            for byte in utf8 { storage[i] = byte; i += 1 }
        }
        return true
    }

    public mutating func removeAll() { count = 0; dataLength = 0 }

    public func id(at index: Int) -> UInt8 {
        precondition(index >= 0 && index < count)
        return withUnsafeBytes(of: ids) { $0[index] }
    }

    /// Calls `body` with the value bytes of element `index`.
    public func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count)
        let offset = Int(withUnsafeBytes(of: offsets) { $0[index] })
        let length = Int(withUnsafeBytes(of: lengths) { $0[index] })
        return try withUnsafeBytes(of: data) { try body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }

    /// The one-byte form (RFC 8285 §4.2) holds ids 1...14 with 1...16 value bytes; anything
    /// else needs the two-byte form (§4.3), which the peer must allow via extmap-allow-mixed.
    public var requiresTwoByteForm: Bool {
        for i in 0..<count {
            let id = withUnsafeBytes(of: ids) { $0[i] }
            let length = withUnsafeBytes(of: lengths) { $0[i] }
            if id > 14 || length == 0 || length > 16 { return true }
        }
        return false
    }

    /// Bytes of the extension block (4-byte header + elements + padding to 32 bits), or 0 if empty.
    public func encodedLength(twoByteForm: Bool) -> Int {
        guard count > 0 else { return 0 }
        let perElement = twoByteForm ? 2 : 1
        let raw = dataLength + count * perElement
        return 4 + (raw + 3) & ~3
    }

    /// Writes the extension block at `offset` of `out` (caller has checked the room).
    /// Returns the number of bytes written.
    func encode(into out: UnsafeMutableRawBufferPointer, at offset: Int, twoByteForm: Bool) -> Int {
        let total = encodedLength(twoByteForm: twoByteForm)
        guard total > 0 else { return 0 }
        out.writeUInt16(twoByteForm ? RTPHeader.twoByteExtensionProfile : RTPHeader.oneByteExtensionProfile,
                        at: offset)
        out.writeUInt16(UInt16((total - 4) / 4), at: offset + 2)
        var i = offset + 4
        withUnsafeBytes(of: data) { storage in
            for index in 0..<count {
                let id = withUnsafeBytes(of: ids) { $0[index] }
                let start = Int(withUnsafeBytes(of: offsets) { $0[index] })
                let length = Int(withUnsafeBytes(of: lengths) { $0[index] })
                if twoByteForm {
                    out[i] = id
                    out[i + 1] = UInt8(length)
                    i += 2
                } else {
                    out[i] = id << 4 | UInt8(length - 1)
                    i += 1
                }
                for k in 0..<length { out[i + k] = storage[start + k] }
                i += length
            }
        }
        while i < offset + total { out[i] = 0; i += 1 }  // padding (RFC 8285 §4.2)
        return total
    }

    private mutating func reserve(id: UInt8, length: Int) -> Int? {
        guard id != 0, length <= 255, count < RTPExtensionElements.capacity,
              dataLength + length <= RTPExtensionElements.dataCapacity else { return nil }
        let index = count
        let start = dataLength
        withUnsafeMutableBytes(of: &ids) { $0[index] = id }
        withUnsafeMutableBytes(of: &offsets) { $0[index] = UInt8(start) }
        withUnsafeMutableBytes(of: &lengths) { $0[index] = UInt8(length) }
        count += 1
        dataLength += length
        return start
    }
}

// MARK: - Typed values

extension RTPExtensionElements {
    /// Transport-wide sequence number, 16 bits (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    @discardableResult
    public mutating func append(id: UInt8, transportSequenceNumber: UInt16) -> Bool {
        append(id: id, bigEndian: UInt32(transportSequenceNumber), length: 2)
    }

    /// abs-send-time, 24-bit 6.18 fixed-point seconds (see `AbsSendTime`).
    @discardableResult
    public mutating func append(id: UInt8, absSendTime: UInt32) -> Bool {
        append(id: id, bigEndian: absSendTime & 0xFF_FFFF, length: 3)
    }

    /// Audio level (RFC 6464 §3): V bit + level in -dBov (0 loudest, 127 silence).
    @discardableResult
    public mutating func append(id: UInt8, audioLevel: AudioLevel) -> Bool {
        append(id: id, bigEndian: UInt32(audioLevel.byte), length: 1)
    }
}
