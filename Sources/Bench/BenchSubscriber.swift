import DTLS
import MediaServer
import NIOCore
import RTP

/// Delay samples of the subscribers of one group (e.g. direct or relayed) on one event loop
/// (touched only on that loop).
final class LoopDelayStats: @unchecked Sendable {
    let group: Int
    var histogram = DelayHistogram()
    var measuring = false

    init(group: Int) {
        self.group = group
    }
}

/// Per-stream receive counters from the clear RTP header: packets and the extended highest
/// sequence number, so loss is `expected - received` exactly (RFC 3550 §6.4.1, A.3).
struct StreamCounters: Sendable {
    var ssrc: UInt32
    var received: UInt64 = 0
    var firstExtended: Int64
    var highestExtended: Int64
    private var cycles: Int64 = 0
    private var lastSequence: UInt16

    init(ssrc: UInt32, sequence: UInt16) {
        self.ssrc = ssrc
        self.firstExtended = Int64(sequence)
        self.highestExtended = Int64(sequence)
        self.lastSequence = sequence
    }

    mutating func record(sequence: UInt16) {
        received += 1
        let delta = Int16(bitPattern: sequence &- lastSequence)
        if delta > 0 {
            if sequence < lastSequence { cycles += 1 << 16 }
            lastSequence = sequence
            highestExtended = cycles + Int64(sequence)
        }
    }

    var expected: Int64 { highestExtended - firstExtended + 1 }
}

/// A snapshot of one subscriber's streams, for window deltas.
struct SubscriberSnapshot: Sendable {
    var streams: [UInt32: (received: UInt64, expected: Int64)] = [:]
}

/// A WHEP subscriber: receives the publication's audio and video, counts every packet by its
/// (rewritten) sequence number, and decrypts one packet in `decryptEvery` to read the stamp.
final class BenchSubscriber: BenchPeer, @unchecked Sendable {
    let delayStats: LoopDelayStats
    let decryptEvery: UInt64
    private var streams: [StreamCounters] = []
    private var seen: UInt64 = 0
    private(set) var stampsRead: UInt64 = 0

    init(loop: any EventLoop, certificate: DTLSCertificate, delayStats: LoopDelayStats, decryptEvery: Int) {
        self.delayStats = delayStats
        self.decryptEvery = UInt64(max(decryptEvery, 1))
        super.init(loop: loop, certificate: certificate)
    }

    func snapshot() -> SubscriberSnapshot {
        var snapshot = SubscriberSnapshot()
        for stream in streams { snapshot.streams[stream.ssrc] = (stream.received, stream.expected) }
        return snapshot
    }

    /// Counts every packet by its clear header; decrypts one in `decryptEvery` to read its stamp.
    override func decryptionFilter() -> ((RTPHeader) -> Bool)? {
        { [unowned self] header in self.count(header) }
    }

    private func count(_ header: RTPHeader) -> Bool {
        if let index = streams.firstIndex(where: { $0.ssrc == header.ssrc }) {
            streams[index].record(sequence: header.sequenceNumber)
        } else {
            var stream = StreamCounters(ssrc: header.ssrc, sequence: header.sequenceNumber)
            stream.record(sequence: header.sequenceNumber)
            streams.append(stream)
        }
        seen += 1
        return seen % decryptEvery == 0
    }

    override func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer,
                            header: RTPHeader, nowNanos: UInt64) {
        guard header.payloadLength >= BenchStamp.length,
              let stamp = BenchStamp.read(UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
        else { return }
        stampsRead += 1
        guard delayStats.measuring, nowNanos >= stamp.sendNanos else { return }
        delayStats.histogram.record(micros: (nowNanos - stamp.sendNanos) / 1_000)
    }
}
