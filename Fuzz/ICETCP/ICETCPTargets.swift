import FuzzSupport
import NIOCore

/// `ice-tcp`: a peer's TCP byte stream through the RFC 4571 frame decoder, arriving in reads whose
/// sizes the input's first byte picks. The frames must be exactly those a plain reading of the
/// stream finds, and a length over the limit must throw; then those frames, written back with
/// `writeFrame`, must decode to themselves.
public let iceTCPTargets = [FuzzTarget("ice-tcp", fuzzICETCP)]

private let allocator = ByteBufferAllocator()

private func fuzzICETCP(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let stream = Array(data.dropFirst())
    let readSize = Int(first) + 1
    let maximum = RFC4571.maximumFrameLength

    // The reference: length prefixes read one after the other.
    var expected: [[UInt8]] = []
    var expectTooLarge = false
    var offset = 0
    while stream.count - offset >= RFC4571.headerLength {
        let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
        if length > maximum { expectTooLarge = true; break }
        guard stream.count - offset - RFC4571.headerLength >= length else { break }
        if length > 0 { expected.append(Array(stream[(offset + 2)..<(offset + 2 + length)])) }
        offset += RFC4571.headerLength + length
    }

    var decoder = RFC4571FrameDecoder()
    var buffer = allocator.buffer(capacity: readSize)
    var frames: [[UInt8]] = []
    var threw = false
    reading: for start in stride(from: 0, to: stream.count, by: readSize) {
        buffer.writeBytes(stream[start..<min(start + readSize, stream.count)])
        do {
            while let frame = try decoder.decode(buffer: &buffer) {
                require(frame.readableBytes <= maximum, "a frame over the limit")
                frames.append(Array(frame.readableBytesView))
            }
        } catch let error as RFC4571FrameDecoder.FrameTooLarge {
            require(error.length > maximum, "threw FrameTooLarge(\(error.length)) under the limit")
            threw = true
            break reading
        } catch {
            fatalError("decoder threw \(error)")
        }
        buffer.discardReadBytes()
    }
    require(frames == expected, "decoded \(frames.count) frames, the stream has \(expected.count)")
    require(threw == expectTooLarge, "FrameTooLarge thrown: \(threw), expected: \(expectTooLarge)")

    var written = allocator.buffer(capacity: 64)
    for frame in frames {
        let count = RFC4571.writeFrame(into: &written, length: frame.count) { out in
            out.copyBytes(from: frame)
            return frame.count
        }
        require(count == frame.count, "writeFrame wrote \(count) of \(frame.count) bytes")
    }
    var again: [[UInt8]] = []
    var rereader = RFC4571FrameDecoder()
    do {
        while let frame = try rereader.decode(buffer: &written) { again.append(Array(frame.readableBytesView)) }
    } catch {
        fatalError("frames we wrote do not decode: \(error)")
    }
    require(again == frames, "writeFrame → decode changed the frames")
}
