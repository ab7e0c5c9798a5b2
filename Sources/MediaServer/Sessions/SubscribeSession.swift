import RTP
import SFU

/// A client playing a publication over WHEP: its `Subscription` sends through its transport.
final class SubscribeSession: MediaSession, PeerTransportDelegate {
    let id: String
    let room: String
    let transport: PeerTransport
    let subscription: Subscription
    unowned let worker: MediaWorker

    init(id: String, room: String, transport: PeerTransport, subscription: Subscription, worker: MediaWorker) {
        self.id = id
        self.room = room
        self.transport = transport
        self.subscription = subscription
        self.worker = worker
        transport.delegate = self
        subscription.downstream = transport
    }

    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        transport.tick(nowNanos: nowNanos)
        if transport.isConnected { subscription.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos) }
    }

    func close(reason: String) {
        transport.close(reason: reason)
    }

    // MARK: PeerTransportDelegate

    /// DTLS is up: the subscriber can now decode, so ask the publisher for a key frame.
    func transportConnected(_ transport: PeerTransport) {
        let now = MonotonicClock.nowNanos
        for track in subscription.tracks { track.handleKeyframeRequest(nowNanos: now) }
    }

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        // A playback session receives no media; a sendonly answer makes this a client bug.
    }

    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        subscription.receiveRTCP(packets, nowNanos: nowNanos)
    }

    func transportClosed(_ transport: PeerTransport, reason: String) {
        worker.subscriptionEnded(self)
    }
}
