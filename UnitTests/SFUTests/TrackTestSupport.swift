import RTP
@testable import SFU

/// A transport that records, in one log shared by every sender of a test, the sequence number of
/// each RTP packet it is asked to send ("a17") and each key frame request ("a:PLI"), so tests see
/// the order of a whole fan-out.
final class RecordingSender: RTPPacketSender {
    final class Log {
        var entries: [String] = []
    }

    let name: String
    let log: Log

    init(name: String, log: Log) {
        self.name = name
        self.log = log
    }

    func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumLength, alignment: 8)
        defer { buffer.deallocate() }
        let length = write(buffer)
        guard length > 0, let header = RTPHeader.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<length])) else { return }
        log.entries.append("\(name)\(header.sequenceNumber)")
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        for packet in packets {
            if case .pictureLossIndication = packet { log.entries.append("\(name):PLI") }
        }
    }
}

/// One publisher track and its subscribers, each recording what it is sent.
final class TrackFixture {
    let codec: TrackCodec
    let counters = ForwardingCounters()
    let log = RecordingSender.Log()
    private var senders: [RecordingSender] = []
    static let publisherSSRC: UInt32 = 1111

    init(codec: TrackCodec) {
        self.codec = codec
    }

    static let opus = TrackCodec(kind: .audio, name: "opus", clockRate: 48_000, channels: 2, payloadType: 111)
    static let vp8 = TrackCodec(kind: .video, name: "VP8", clockRate: 90_000, payloadType: 96)

    func makeTrack(fanout: FanoutQueue? = nil) -> PublisherTrack {
        let track = PublisherTrack(mid: "0", codec: codec, ssrc: Self.publisherSSRC, rtxSSRC: nil,
                                   extensionIDs: ExtensionIDs(), localSSRC: 1, counters: counters, fanout: fanout)
        let upstream = RecordingSender(name: "publisher", log: log)
        senders.append(upstream)
        track.upstream = upstream
        return track
    }

    func subscribe(_ name: String, to track: PublisherTrack) -> SubscriberTrack {
        let subscriber = SubscriberTrack(mid: "0", codec: codec, ssrc: UInt32(name.unicodeScalars.first!.value),
                                         rtxSSRC: nil, extensionIDs: ExtensionIDs(), counters: counters)
        let sender = RecordingSender(name: name, log: log)
        senders.append(sender)
        subscriber.downstream = sender
        subscriber.attach(to: track, nowNanos: 0)
        return subscriber
    }

    /// Feeds `track` one packet per sequence number, `interval` apart from `start` (VP8: key
    /// frames where `isKeyframe` says so, deltas elsewhere).
    func receive(_ track: PublisherTrack, sequenceNumbers: ClosedRange<UInt16>, startNanos: UInt64 = 0,
                 intervalNanos: UInt64 = 20_000_000, isKeyframe: (UInt16) -> Bool = { _ in false }) {
        for (index, sequenceNumber) in sequenceNumbers.enumerated() {
            let payload: [UInt8] = codec.kind == .video
                ? [0x10, isKeyframe(sequenceNumber) ? 0x00 : 0x01, 0x9d, 0x01, 0x2a, 0x00]  // RFC 7741 descriptor + frame tag
                : [0xF8, 0xFF, 0xFE, UInt8(truncatingIfNeeded: sequenceNumber)]
            let writer = RTPPacketWriter(payloadType: codec.payloadType, sequenceNumber: sequenceNumber,
                                         timestamp: UInt32(sequenceNumber) &* 960, ssrc: Self.publisherSSRC)
            var packet = [UInt8](repeating: 0, count: writer.packetLength(payloadLength: payload.count))
            let length = packet.withUnsafeMutableBytes { out in
                payload.withUnsafeBytes { writer.write(payload: $0, into: out) }
            }!
            let nowNanos = startNanos + UInt64(index) * intervalNanos
            packet.withUnsafeBytes { bytes in
                let packet = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
                track.receive(packet, header: RTPHeader.parse(packet)!, nowNanos: nowNanos)
            }
        }
    }

    /// `sent` without the key frame requests.
    var packetsSent: [String] { sent.filter { !$0.contains(":") } }

    /// The subscribers' packets with each subscriber's sequence numbers counted from its first
    /// ("a1 a2 b1 b2"; the rewriter picks its own start), and key frame requests ("publisher:PLI").
    var sent: [String] {
        var first: [String: Int] = [:]
        return log.entries.map { entry in
            guard !entry.contains(":") else { return entry }
            let name = String(entry.prefix { $0.isLetter })
            let number = Int(entry.dropFirst(name.count))!
            let start = first[name] ?? number
            first[name] = start
            return "\(name)\(Int(UInt16(truncatingIfNeeded: number - start)) + 1)"
        }
    }
}
