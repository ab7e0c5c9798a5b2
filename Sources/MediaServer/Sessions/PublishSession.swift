import RTP
import SDP
import SFU

/// A client publishing over WHIP: its transport feeds its `Publication` in the room.
final class PublishSession: MediaSession {
    let publication: Publication

    init(id: String, room: String, transport: PeerTransport, answer: SessionDescription, publication: Publication,
         worker: MediaWorker) {
        self.publication = publication
        super.init(id: id, room: room, transport: transport, answer: answer, worker: worker)
        publication.upstream = transport
    }

    override func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        super.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos)
        if transport.isConnected { publication.tick(nowNanos: nowNanos) }
    }

    override func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader,
                            nowNanos: UInt64) {
        publication.receiveRTP(packet, header: header, nowNanos: nowNanos)
    }

    override func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        publication.receiveRTCP(packets, nowNanos: nowNanos)
    }

    override func transportClosed(_ transport: PeerTransport, reason: String) {
        worker.publicationEnded(self)
    }
}
