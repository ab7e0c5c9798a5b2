import NIOCore

/// RFC 4571 §2 framing for ICE-TCP (RFC 6544 §3): every STUN message, DTLS record group and
/// SRTP/SRTCP packet on a TCP connection is preceded by its length as a 16-bit big-endian integer.
/// Each frame then stands for exactly one UDP datagram, so the rest of the packet path is shared.
enum RFC4571 {
    static let headerLength = 2
    /// The largest frame accepted from a peer: an Ethernet-sized datagram plus the SRTP
    /// authentication trailer. Nothing a WebRTC peer sends is larger (libwebrtc keeps packets
    /// under ~1200 bytes); a larger length prefix means a broken or hostile peer.
    static let maximumFrameLength = 1500 + 16

    /// Writes one framed packet into `buffer`: reserves the length prefix, lets `write` fill up to
    /// `length` payload bytes, then patches the prefix. Returns the payload length written (0 =
    /// nothing was written and `buffer` is left as it was).
    static func writeFrame(into buffer: inout ByteBuffer, length: Int,
                           _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { pointer in
            // Hand the writer exactly `length` bytes, whatever extra capacity the buffer has.
            let payload = write(UnsafeMutableRawBufferPointer(rebasing: pointer[0..<length]))
            return (0...min(length, Int(UInt16.max))).contains(payload) ? payload : 0
        }
        guard written > 0 else {
            buffer.moveWriterIndex(to: start)
            return 0
        }
        buffer.setInteger(UInt16(written), at: start)
        return written
    }
}

/// Splits a TCP byte stream into RFC 4571 frames. Frames may arrive split across reads or
/// several in one read; zero-length frames are skipped. A length prefix above `maximumFrameLength`
/// throws, and the connection is closed: the buffer never holds more than one frame plus one read.
struct RFC4571FrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct FrameTooLarge: Error, Equatable {
        var length: Int
    }

    let maximumFrameLength: Int

    init(maximumFrameLength: Int = RFC4571.maximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        while true {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self).map({ Int($0) }) else {
                return nil
            }
            guard length <= maximumFrameLength else { throw FrameTooLarge(length: length) }
            guard buffer.readableBytes >= RFC4571.headerLength + length else { return nil }
            buffer.moveReaderIndex(forwardBy: RFC4571.headerLength)
            if length == 0 { continue }
            return buffer.readSlice(length: length)
        }
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        // A partial frame at EOF is dropped: the peer went away mid-packet.
        try decode(buffer: &buffer)
    }
}
