import RTP
import SFU

/// A client publishing over WHIP: its transport feeds its `Publication` in the room.
final class PublishSession: MediaSession, PeerTransportDelegate {
    let id: String
    let room: String
    let transport: PeerTransport
    let publication: Publication
    unowned let worker: MediaWorker

    init(id: String, room: String, transport: PeerTransport, publication: Publication, worker: MediaWorker) {
        self.id = id
        self.room = room
        self.transport = transport
        self.publication = publication
        self.worker = worker
        transport.delegate = self
        publication.upstream = transport
    }

    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        transport.tick(nowNanos: nowNanos)
        if transport.isConnected { publication.tick(nowNanos: nowNanos) }
    }

    func close(reason: String) {
        transport.close(reason: reason)
    }

    // MARK: PeerTransportDelegate

    func transportConnected(_ transport: PeerTransport) {}

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        publication.receiveRTP(packet, header: header, nowNanos: nowNanos)
    }

    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        publication.receiveRTCP(packets, nowNanos: nowNanos)
    }

    func transportClosed(_ transport: PeerTransport, reason: String) {
        worker.publicationEnded(self)
    }
}
