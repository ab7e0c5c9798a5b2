/// Synthetic media for load tests: payloads shaped like VP8 (RFC 7741) and Opus (RFC 7587) so the
/// SFU treats them exactly as a browser's (key frame detection, frame boundaries), each ending in
/// a `BenchStamp` that lets a receiver measure delay and identify the packet.

/// The last 16 bytes of every synthetic payload: a per-stream packet counter and the monotonic
/// send time (both big-endian). The SFU forwards payloads untouched, so receivers read them back.
enum BenchStamp {
    static let length = 16

    static func write(counter: UInt64, sendNanos: UInt64, into payload: UnsafeMutableRawBufferPointer) {
        guard payload.count >= length else { return }
        let start = payload.count - length
        payload.storeBytes(of: counter.bigEndian, toByteOffset: start, as: UInt64.self)
        payload.storeBytes(of: sendNanos.bigEndian, toByteOffset: start + 8, as: UInt64.self)
    }

    static func read(_ payload: UnsafeRawBufferPointer) -> (counter: UInt64, sendNanos: UInt64)? {
        guard payload.count >= length else { return nil }
        let start = payload.count - length
        let counter = UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: start, as: UInt64.self))
        let sendNanos = UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
        return (counter, sendNanos)
    }
}

/// One video frame's worth of packets, planned by `SyntheticVP8Source`.
struct SyntheticVideoFrame: Sendable, Equatable {
    var isKeyframe: Bool
    /// 15-bit picture id (RFC 7741 §4.2, M=1).
    var pictureID: UInt16
    var rtpTimestamp: UInt32
    /// Payload sizes of the frame's packets, in order; the last one carries the marker bit.
    var payloadSizes: [Int]
}

/// A constant-bitrate VP8-shaped source: `framesPerSecond` frames of `bitrate / 8 / fps` bytes,
/// split evenly into packets of at most `maximumPayloadBytes`; a key frame every
/// `keyframeIntervalFrames` frames or after `requestKeyframe()` (a PLI or FIR).
struct SyntheticVP8Source: Sendable {
    static let clockRate: UInt32 = 90_000
    /// Descriptor (4 bytes: X, I with 15-bit picture id) + a 10-byte key frame header + stamp.
    static let minimumPayloadBytes = 4 + 10 + BenchStamp.length

    var bitrateBps: Int
    var framesPerSecond: Int
    var maximumPayloadBytes: Int
    var keyframeIntervalFrames: Int
    private var pictureID: UInt16
    private var timestamp: UInt32
    private var framesSinceKeyframe: Int
    private var keyframeRequested = true  // a decoder needs one to start

    init(bitrateBps: Int = 1_500_000, framesPerSecond: Int = 30, maximumPayloadBytes: Int = 1150,
                keyframeIntervalSeconds: Int = 2, initialPictureID: UInt16 = 0, initialTimestamp: UInt32 = 0) {
        self.bitrateBps = max(bitrateBps, 8_000)
        self.framesPerSecond = max(framesPerSecond, 1)
        self.maximumPayloadBytes = max(maximumPayloadBytes, Self.minimumPayloadBytes)
        self.keyframeIntervalFrames = max(keyframeIntervalSeconds * framesPerSecond, 1)
        self.pictureID = initialPictureID & 0x7FFF
        self.timestamp = initialTimestamp
        self.framesSinceKeyframe = 0
    }

    var frameIntervalNanos: UInt64 { 1_000_000_000 / UInt64(framesPerSecond) }

    /// RFC 4585 §6.3.1: a PLI asks for a key frame; the next frame is one.
    mutating func requestKeyframe() { keyframeRequested = true }

    mutating func nextFrame() -> SyntheticVideoFrame {
        let isKeyframe = keyframeRequested || framesSinceKeyframe >= keyframeIntervalFrames
        if isKeyframe {
            keyframeRequested = false
            framesSinceKeyframe = 0
        }
        framesSinceKeyframe += 1
        let frameBytes = max(bitrateBps / 8 / framesPerSecond, Self.minimumPayloadBytes)
        let count = (frameBytes + maximumPayloadBytes - 1) / maximumPayloadBytes
        let base = frameBytes / count
        let extra = frameBytes % count
        let sizes = (0..<count).map { base + ($0 < extra ? 1 : 0) }
        let frame = SyntheticVideoFrame(isKeyframe: isKeyframe, pictureID: pictureID, rtpTimestamp: timestamp,
                                        payloadSizes: sizes)
        pictureID = (pictureID &+ 1) & 0x7FFF
        timestamp &+= Self.clockRate / UInt32(framesPerSecond)
        return frame
    }

    /// Writes packet `index` of `frame` into `payload` (exactly `frame.payloadSizes[index]` bytes
    /// of it are used) and returns its length, or 0 if it does not fit.
    static func writePayload(_ frame: SyntheticVideoFrame, index: Int, counter: UInt64, sendNanos: UInt64,
                                    into payload: UnsafeMutableRawBufferPointer) -> Int {
        guard index >= 0, index < frame.payloadSizes.count else { return 0 }
        let length = frame.payloadSizes[index]
        guard length >= minimumPayloadBytes, length <= payload.count else { return 0 }
        let out = UnsafeMutableRawBufferPointer(rebasing: payload[0..<length])
        // RFC 7741 §4.2: X=1, S=1 on the first packet, PID=0; I=1; M=1 + 15-bit picture id.
        out[0] = 0x80 | (index == 0 ? 0x10 : 0)
        out[1] = 0x80
        out[2] = 0x80 | UInt8(frame.pictureID >> 8)
        out[3] = UInt8(truncatingIfNeeded: frame.pictureID)
        var offset = 4
        if index == 0 {
            // RFC 7741 §4.3 / RFC 6386 §9.1: frame tag — P=0 for a key frame, show_frame=1; a key
            // frame then has the start code 9d 01 2a and 14-bit width/height (640x360).
            out[offset] = (frame.isKeyframe ? 0x00 : 0x01) | 0x10
            out[offset + 1] = 0
            out[offset + 2] = 0
            offset += 3
            if frame.isKeyframe {
                let header: [UInt8] = [0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01]
                for (i, byte) in header.enumerated() { out[offset + i] = byte }
                offset += header.count
            }
        }
        // Filler, then the stamp in the last 16 bytes.
        let stampStart = length - BenchStamp.length
        if offset < stampStart {
            (out.baseAddress! + offset).initializeMemory(as: UInt8.self, repeating: 0x5A, count: stampStart - offset)
        }
        BenchStamp.write(counter: counter, sendNanos: sendNanos, into: out)
        return length
    }
}

/// Opus-shaped audio (RFC 7587): a 20 ms frame every 20 ms, `payloadBytes` each.
struct SyntheticOpusSource: Sendable {
    static let clockRate: UInt32 = 48_000
    static let frameIntervalNanos: UInt64 = 20_000_000
    var payloadBytes: Int
    private var timestamp: UInt32

    init(payloadBytes: Int = 100, initialTimestamp: UInt32 = 0) {
        self.payloadBytes = max(payloadBytes, 1 + BenchStamp.length)
        self.timestamp = initialTimestamp
    }

    /// The RTP timestamp of the next frame (960 ticks per 20 ms at 48 kHz).
    mutating func nextTimestamp() -> UInt32 {
        defer { timestamp &+= 960 }
        return timestamp
    }

    func writePayload(counter: UInt64, sendNanos: UInt64, into payload: UnsafeMutableRawBufferPointer) -> Int {
        guard payloadBytes <= payload.count, let base = payload.baseAddress else { return 0 }
        let out = UnsafeMutableRawBufferPointer(rebasing: payload[0..<payloadBytes])
        // RFC 6716 §3.1 TOC: config 31 (CELT FB 20 ms), mono, one frame.
        out[0] = 0xF8
        (base + 1).initializeMemory(as: UInt8.self, repeating: 0x33, count: payloadBytes - 1 - BenchStamp.length)
        BenchStamp.write(counter: counter, sendNanos: sendNanos, into: out)
        return payloadBytes
    }
}
