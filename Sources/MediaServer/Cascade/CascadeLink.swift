import DTLS
import ICE
import NIOCore
import RTP
import SFU
import STUN

/// The media side of a link between this node and one peer node, on one worker's loop: one
/// ICE + DTLS-SRTP transport that carries every relayed track in both directions.
///
/// - *Outgoing* relays: publications that originate here and that the peer pulled. Each is a
///   `Subscription` whose downstream is this link, so the peer gets its own SSRCs, NACKs are
///   answered from our history and its PLIs reach our publisher, exactly as for a client.
/// - *Incoming* relays: publications the peer originates and we pulled. Each is a `Publication`
///   in our room whose upstream is this link; our local subscribers attach to it as to any other
///   publication, and its NACKs, PLIs and receiver reports go back over the link (hop by hop).
///
/// The dialing side is the ICE controlling agent and the DTLS client (a `PeerTransport` on a
/// UDP socket of its own, outbound only); the accepting side is ICE-lite and DTLS server on its
/// media port, as with a browser. All state is confined to the worker's loop.
final class CascadeLink: RTPPacketSender {
    enum Transport {
        /// We dialed: the transport lives on its own socket.
        case dialed(ClientUDPSocket)
        /// The peer dialed: the transport is on this worker's media port.
        case accepted(PeerTransport)

        var peerTransport: PeerTransport {
            switch self {
            case .dialed(let socket): socket.transport
            case .accepted(let transport): transport
            }
        }
    }

    struct Key: Hashable {
        var room: String
        var resource: String
    }

    final class IncomingRelay {
        let key: Key
        let publication: Publication
        /// Since when no local subscriber has used it (nil while some do).
        var idleSinceNanos: UInt64?

        init(key: Key, publication: Publication, nowNanos: UInt64) {
            self.key = key
            self.publication = publication
            self.idleSinceNanos = nowNanos
        }
    }

    let peerNode: String
    unowned let worker: MediaWorker
    private(set) var transport: Transport?
    private(set) var outgoing: [Key: Subscription] = [:]
    private(set) var incoming: [Key: IncomingRelay] = [:]
    private var incomingBySSRC: [UInt32: Publication] = [:]

    /// Extension ids used on every link (both ends agree without negotiation): audio level for
    /// speaker detection on the far node, abs-send-time for its receive-side timing.
    static let extensionIDs = ExtensionIDs(mid: nil, absSendTime: 2, transportWideSequence: nil, audioLevel: 1)
    /// An incoming relay nobody has watched for this long is released (`stop` to the origin).
    static let idleReleaseNanos: UInt64 = 3_000_000_000

    init(peerNode: String, worker: MediaWorker) {
        self.peerNode = peerNode
        self.worker = worker
    }

    var isEmpty: Bool { outgoing.isEmpty && incoming.isEmpty }

    var isConnected: Bool { transport?.peerTransport.isConnected ?? false }

    // MARK: - Transport

    func attach(_ transport: Transport) {
        closeTransport(reason: "replaced")
        self.transport = transport
        CascadeMetrics.linkTransports.increment()
        transport.peerTransport.delegate = self
    }

    /// Ends the media transport (close_notify). Relays stay; a new transport may come.
    func closeTransport(reason: String) {
        guard let transport else { return }
        self.transport = nil
        CascadeMetrics.linkTransports.decrement()
        transport.peerTransport.delegate = nil
        switch transport {
        case .dialed(let socket): _ = socket.close()
        case .accepted(let peer): peer.close(reason: reason)
        }
    }

    fileprivate func transportUp() {
        // Local subscribers may have asked for key frames before the link could carry them.
        let now = MonotonicClock.nowNanos
        for relay in incoming.values {
            for track in relay.publication.tracks { track.requestKeyframe(nowNanos: now) }
        }
    }

    fileprivate func transportDown(reason: String) {
        transport = nil
        CascadeMetrics.linkTransports.decrement()
        worker.logger.info("cascade link transport closed", metadata: ["peer": "\(peerNode)", "reason": "\(reason)"])
        // ICE consent or DTLS failed (a WAN outage) while tracks still need the link: the
        // dialing side sets up a new transport.
        if !isEmpty { worker.cascadeEvents?(.transportLost(peer: peerNode)) }
    }

    // MARK: - Relays

    func addOutgoing(_ subscription: Subscription, key: Key) {
        if outgoing.updateValue(subscription, forKey: key) == nil { CascadeMetrics.relaysOutgoing.increment() }
        subscription.downstream = self
    }

    @discardableResult
    func removeOutgoing(_ key: Key) -> Subscription? {
        guard let removed = outgoing.removeValue(forKey: key) else { return nil }
        CascadeMetrics.relaysOutgoing.decrement()
        return removed
    }

    func outgoingKey(forSubscription id: String) -> Key? {
        outgoing.first { $0.value.id == id }?.key
    }

    func addIncoming(_ publication: Publication, key: Key, nowNanos: UInt64) {
        if incoming.updateValue(IncomingRelay(key: key, publication: publication, nowNanos: nowNanos), forKey: key) == nil {
            CascadeMetrics.relaysIncoming.increment()
        }
        for track in publication.tracks {
            if let ssrc = track.ssrc { incomingBySSRC[ssrc] = publication }
            if let rtx = track.rtxSSRC { incomingBySSRC[rtx] = publication }
        }
        publication.upstream = self
    }

    @discardableResult
    func removeIncoming(_ key: Key) -> Publication? {
        guard let relay = incoming.removeValue(forKey: key) else { return nil }
        CascadeMetrics.relaysIncoming.decrement()
        incomingBySSRC = incomingBySSRC.filter { $0.value !== relay.publication }
        return relay.publication
    }

    // MARK: - Time

    /// Transport timers, SRs of outgoing relays, NACKs and RRs of incoming ones. Returns the
    /// incoming relays that have been idle long enough to release.
    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) -> [Key] {
        switch transport {
        case .dialed(let socket): socket.tick(nowNanos: nowNanos)
        case .accepted(let peer): peer.tick(nowNanos: nowNanos)
        case nil: break
        }
        if isConnected {
            for subscription in outgoing.values { subscription.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos) }
            for relay in incoming.values { relay.publication.tick(nowNanos: nowNanos) }
        }
        var idle: [Key] = []
        for relay in incoming.values {
            let watched = worker.rooms[relay.key.room]?.subscriptions.values.contains { $0.publicationID == relay.key.resource } ?? false
            if watched {
                relay.idleSinceNanos = nil
            } else if let since = relay.idleSinceNanos {
                if nowNanos &- since >= Self.idleReleaseNanos { idle.append(relay.key) }
            } else {
                relay.idleSinceNanos = nowNanos
            }
        }
        return idle
    }

    func flush() {
        if case .dialed(let socket) = transport { socket.flushIfNeeded() }
    }

    // MARK: - RTPPacketSender (everything for the peer goes through the one transport)

    func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        transport?.peerTransport.sendRTP(maximumLength: maximumLength, write)
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        transport?.peerTransport.sendRTCP(packets)
    }

    // MARK: - Receive

    fileprivate func receivedRTP(_ packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        incomingBySSRC[header.ssrc]?.receiveRTP(packet, header: header, nowNanos: nowNanos)
    }

    /// Feedback about our outgoing relays (NACK, PLI, RR) and reports about incoming ones (SR):
    /// each subscription and publication picks the packets about its own SSRCs.
    fileprivate func receivedRTCP(_ packets: [RTCPPacket], nowNanos: UInt64) {
        for subscription in outgoing.values { subscription.receiveRTCP(packets, nowNanos: nowNanos) }
        for relay in incoming.values { relay.publication.receiveRTCP(packets, nowNanos: nowNanos) }
    }
}

extension CascadeLink: PeerTransportDelegate {
    func transportConnected(_ transport: PeerTransport) { transportUp() }

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        receivedRTP(packet, header: header, nowNanos: nowNanos)
    }

    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        receivedRTCP(packets, nowNanos: nowNanos)
    }

    func transportClosed(_ transport: PeerTransport, reason: String) {
        guard let current = self.transport, current.peerTransport === transport else { return }
        if case .dialed(let socket) = current { _ = socket.close() }
        transportDown(reason: reason)
    }
}
