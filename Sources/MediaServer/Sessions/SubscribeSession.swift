import RTP
import SDP
import SFU

/// A client playing a publication over WHEP: its `Subscription` sends through its transport.
/// It receives no media (a sendonly answer), only RTCP feedback.
final class SubscribeSession: MediaSession {
    let subscription: Subscription

    init(id: String, room: String, transport: PeerTransport, answer: SessionDescription, subscription: Subscription,
         worker: MediaWorker) {
        self.subscription = subscription
        super.init(id: id, room: room, transport: transport, answer: answer, worker: worker)
        subscription.downstream = transport
    }

    override func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        super.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos)
        if transport.isConnected { subscription.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos) }
    }

    /// DTLS is up: the subscriber can now decode, so ask the publisher for a key frame.
    override func transportConnected(_ transport: PeerTransport) {
        let now = MonotonicClock.nowNanos
        for track in subscription.tracks { track.handleKeyframeRequest(nowNanos: now) }
    }

    override func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        subscription.receiveRTCP(packets, nowNanos: nowNanos)
    }

    override func transportClosed(_ transport: PeerTransport, reason: String) {
        worker.subscriptionEnded(self)
    }
}
