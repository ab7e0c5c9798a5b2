import AllocationCounter
import RTP
import SFU
import XCTest
@testable import MediaServer

/// The forwarding path allocates nothing per packet: a publisher's SRTP packets decrypted by its
/// `PeerTransport`, fanned out to N subscribers, each rewritten, SRTP-protected by its own
/// transport and handed to its port — counted with a malloc hook on this thread (as SwiftNIO's
/// allocation tests count).
final class ForwardingAllocationTests: XCTestCase {
    static let subscribers = 8
    static let vp8 = TrackCodec(kind: .video, name: "VP8", clockRate: 90_000, payloadType: 96, rtxPayloadType: 97)
    static let publisherSSRC: UInt32 = 0x5EED

    /// The hook is live: a zero below means nothing was allocated, not that nothing was counted.
    func testTheCounterSeesAnAllocation() {
        cascade_allocations_start()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        let counted = cascade_allocations_stop()
        buffer.deallocate()
        XCTAssertEqual(counted, 1)
    }

    func testFanningOutABurstToSubscribersAllocatesNothingPerPacket() throws {
        let counters = ForwardingCounters()
        let fanout = FanoutQueue()
        let track = PublisherTrack(mid: "1", codec: Self.vp8, ssrc: Self.publisherSSRC, rtxSSRC: nil,
                                   extensionIDs: ExtensionIDs(), localSSRC: 1, counters: counters, fanout: fanout)
        let publication = Publication(id: "local.p", identity: "ann", tracks: [track], extensionIDs: ExtensionIDs(),
                                      localSSRC: 1, sendsTransportCC: false, sendsREMB: false)
        let room = Room(name: "r")
        room.add(publication)
        let publisher = try MemoryTransportPair(clientPortNumber: 39_999)
        publisher.connect()
        XCTAssertTrue(publisher.server.isConnected, "publisher connected")
        let feed = PublicationFeed(publication)
        publisher.server.delegate = feed
        publication.upstream = publisher.server
        publisher.connectClientToServer()
        var pairs: [MemoryTransportPair] = []
        for index in 0..<Self.subscribers {
            let pair = try MemoryTransportPair(clientPortNumber: 40_000 + index)
            pair.connect()
            XCTAssertTrue(pair.server.isConnected, "subscriber \(index) connected")
            let subscriberTrack = SubscriberTrack(mid: "0", codec: Self.vp8, ssrc: UInt32(100 + index), rtxSSRC: UInt32(200 + index),
                                                  extensionIDs: ExtensionIDs(mid: 1, absSendTime: 2), counters: counters)
            let subscription = Subscription(id: "s\(index)", identity: "viewer\(index)", publicationID: publication.id,
                                            cname: "c\(index)", tracks: [subscriberTrack])
            subscription.downstream = pair.server
            room.add(subscription, to: publication, nowNanos: 0)
            pairs.append(pair)
        }

        var feeder = PacketFeeder(ssrc: Self.publisherSSRC, payloadType: Self.vp8.payloadType, sender: publisher.client)
        // Warm up: the first key frame starts every subscriber, libsrtp makes its per-SSRC
        // streams, arrays reach their working capacity.
        feeder.feed(fanout: fanout, frames: 40, packetsPerFrame: 6)
        let sentBefore = pairs.map(\.serverPort.sentCount).reduce(0, +)

        cascade_allocations_start()
        feeder.feed(fanout: fanout, frames: 100, packetsPerFrame: 6)
        let allocations = cascade_allocations_stop()

        let sent = pairs.map(\.serverPort.sentCount).reduce(0, +) - sentBefore
        XCTAssertEqual(sent, 100 * 6 * Self.subscribers, "every packet reached every subscriber")
        XCTAssertEqual(feed.received, 140 * 6, "the publisher's packets were decrypted")
        XCTAssertEqual(allocations, 0, "allocations while forwarding \(sent) packets")
    }
}

/// Hands what the publisher's transport decrypts to its publication, as a publish session does.
final class PublicationFeed: PeerTransportDelegate {
    let publication: Publication
    private(set) var received = 0

    init(_ publication: Publication) { self.publication = publication }

    func transportConnected(_ transport: PeerTransport) {}
    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        received += 1
        publication.receiveRTP(packet, header: header, nowNanos: nowNanos)
    }
    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {}
    func transportClosed(_ transport: PeerTransport, reason: String) {}
}

/// VP8 packets (RFC 7741) in frames, a key frame first, sent by a client transport.
struct PacketFeeder {
    let ssrc: UInt32
    let payloadType: UInt8
    let sender: PeerTransport
    var sequence: UInt16 = 1000
    var timestamp: UInt32 = 90_000
    var nowNanos: UInt64 = 1_000_000_000
    var isFirstFrame = true
    private let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 1100, alignment: 16)

    init(ssrc: UInt32, payloadType: UInt8, sender: PeerTransport) {
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.sender = sender
        payload.initializeMemory(as: UInt8.self, repeating: 0x5A)
    }

    /// One read burst per frame, then the fan-out, as the worker runs it.
    mutating func feed(fanout: FanoutQueue, frames: Int, packetsPerFrame: Int) {
        for _ in 0..<frames {
            for index in 0..<packetsPerFrame {
                // S bit on the first packet of a frame; P bit 0 (key frame) only on the first frame.
                payload[0] = index == 0 ? 0x10 : 0x00
                payload[1] = isFirstFrame ? 0x00 : 0x01
                let writer = RTPPacketWriter(payloadType: payloadType, sequenceNumber: sequence, timestamp: timestamp,
                                             ssrc: ssrc, marker: index == packetsPerFrame - 1)
                let payload = UnsafeRawBufferPointer(self.payload)
                sender.sendRTP(maximumLength: writer.packetLength(payloadLength: payload.count)) { out in
                    writer.write(payload: payload, into: out) ?? 0
                }
                sequence &+= 1
            }
            fanout.run()
            isFirstFrame = false
            timestamp &+= 3000
            nowNanos += 33_000_000
        }
    }
}
