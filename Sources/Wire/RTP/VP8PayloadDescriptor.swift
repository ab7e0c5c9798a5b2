// VP8 RTP payload descriptor (RFC 7741 §4.2) and payload header (§4.3).
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |X|R|N|S|R| PID | (REQUIRED)
//  X:   |I|L|T|K| RSV   | (OPTIONAL)
//  I:   |M| PictureID   | (OPTIONAL)  M=1: 15-bit picture id, second byte follows
//  L:   |   TL0PICIDX   | (OPTIONAL)
//  T/K: |TID|Y| KEYIDX  | (OPTIONAL)
//
// First byte of the VP8 payload header (§4.3), present when S=1 and PID=0:
//       |Size0|H| VER |P|   P = 0 for a key frame (inverse key frame flag)

public struct VP8PayloadDescriptor: Sendable, Equatable {
    public var nonReference: Bool
    /// S: first packet of a VP8 partition.
    public var startOfPartition: Bool
    public var partitionIndex: UInt8
    /// 7- or 15-bit picture id, if present.
    public var pictureID: UInt16?
    /// True when the picture id uses the 15-bit (M=1) form.
    public var pictureIDIs15Bit: Bool
    /// Offset in the payload of the picture id field (its first byte), if present.
    public var pictureIDOffset: Int?
    public var tl0PicIdx: UInt8?
    public var tl0PicIdxOffset: Int?
    /// Temporal layer index (T bit).
    public var temporalLayer: UInt8?
    /// Y: layer sync bit (meaningful when T is present).
    public var layerSync: Bool
    public var keyIndex: UInt8?
    /// Size of the descriptor; the VP8 payload starts here.
    public var descriptorLength: Int
    /// S=1, PID=0 and the payload header's P bit is 0 (RFC 7741 §4.3).
    public var isKeyframe: Bool

    /// First packet of a frame: S=1 and PID=0 (RFC 7741 §4.2).
    public var isFrameStart: Bool { startOfPartition && partitionIndex == 0 }

    public static func parse(_ payload: UnsafeRawBufferPointer) -> VP8PayloadDescriptor? {
        let count = payload.count
        guard count >= 1 else { return nil }
        let b0 = payload[0]
        var descriptor = VP8PayloadDescriptor(
            nonReference: b0 & 0x20 != 0, startOfPartition: b0 & 0x10 != 0, partitionIndex: b0 & 0x07,
            pictureID: nil, pictureIDIs15Bit: false, pictureIDOffset: nil, tl0PicIdx: nil, tl0PicIdxOffset: nil,
            temporalLayer: nil, layerSync: false, keyIndex: nil, descriptorLength: 1, isKeyframe: false)
        var i = 1
        if b0 & 0x80 != 0 {
            guard i < count else { return nil }
            let x = payload[i]
            i += 1
            if x & 0x80 != 0 {  // I
                guard i < count else { return nil }
                descriptor.pictureIDOffset = i
                if payload[i] & 0x80 != 0 {  // M
                    guard i + 1 < count else { return nil }
                    descriptor.pictureID = UInt16(payload[i] & 0x7F) << 8 | UInt16(payload[i + 1])
                    descriptor.pictureIDIs15Bit = true
                    i += 2
                } else {
                    descriptor.pictureID = UInt16(payload[i])
                    i += 1
                }
            }
            if x & 0x40 != 0 {  // L
                guard i < count else { return nil }
                descriptor.tl0PicIdx = payload[i]
                descriptor.tl0PicIdxOffset = i
                i += 1
            }
            if x & 0x30 != 0 {  // T or K: one shared byte
                guard i < count else { return nil }
                let byte = payload[i]
                if x & 0x20 != 0 {
                    descriptor.temporalLayer = byte >> 6
                    descriptor.layerSync = byte & 0x20 != 0
                }
                if x & 0x10 != 0 { descriptor.keyIndex = byte & 0x1F }
                i += 1
            }
        }
        descriptor.descriptorLength = i
        if descriptor.isFrameStart, i < count {
            descriptor.isKeyframe = payload[i] & 0x01 == 0
        }
        return descriptor
    }

    /// Rewrites the picture id in place (keeping its 7/15-bit width; the value is truncated to
    /// it) and/or TL0PICIDX, for continuity across layer switches (mediasoup VP8.cpp). Fields the
    /// packet lacks are left alone. Returns false if the descriptor does not parse.
    @discardableResult
    public static func rewrite(pictureID: UInt16?, tl0PicIdx: UInt8?, in payload: UnsafeMutableRawBufferPointer) -> Bool {
        guard let descriptor = parse(UnsafeRawBufferPointer(payload)) else { return false }
        if let pictureID, let offset = descriptor.pictureIDOffset {
            if descriptor.pictureIDIs15Bit {
                payload[offset] = 0x80 | UInt8((pictureID >> 8) & 0x7F)
                payload[offset + 1] = UInt8(truncatingIfNeeded: pictureID)
            } else {
                payload[offset] = UInt8(pictureID & 0x7F)
            }
        }
        if let tl0PicIdx, let offset = descriptor.tl0PicIdxOffset {
            payload[offset] = tl0PicIdx
        }
        return true
    }
}
