import Cascade
import NIOCore
import RTP
import SFU

/// The media side of a link between this node and one peer node, on one worker's loop: one
/// ICE + DTLS-SRTP transport that carries every relayed track in both directions, and the
/// relays it carries (`RelayTable`).
///
/// - *Outgoing* relays: publications that originate here (or that we relay onward) and that the
///   peer pulled. Each is a `Subscription` whose downstream is this link, so the peer gets its
///   own SSRCs, NACKs are answered from our history and its PLIs reach our publisher, exactly as
///   for a client.
/// - *Incoming* relays: publications the peer sends us. Each is a `Publication` in our room whose
///   upstream is this link; our local subscribers attach to it as to any other publication, and
///   its NACKs, PLIs and receiver reports go back over the link (hop by hop).
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

    typealias Key = RelayTable<Publication, Subscription>.Key

    let peerNode: String
    private unowned let worker: MediaWorker
    private(set) var transport: Transport?
    private(set) var relays = RelayTable<Publication, Subscription>()
    private var incomingBySSRC: [UInt32: Publication] = [:]

    /// Extension ids used on every link (both ends agree without negotiation): audio level for
    /// speaker detection on the far node, abs-send-time for its receive-side timing.
    static let extensionIDs = ExtensionIDs(mid: nil, absSendTime: 2, transportWideSequence: nil, audioLevel: 1)

    init(peerNode: String, worker: MediaWorker) {
        self.peerNode = peerNode
        self.worker = worker
    }

    var isEmpty: Bool { relays.isEmpty }
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

    private func transportUp() {
        // Local subscribers may have asked for key frames before the link could carry them.
        let now = MonotonicClock.nowNanos
        for relay in relays.incoming.values {
            for track in relay.value.tracks { track.requestKeyframe(nowNanos: now) }
        }
    }

    private func transportDown(reason: String) {
        transport = nil
        CascadeMetrics.linkTransports.decrement()
        worker.logger.info("cascade link transport closed", metadata: ["peer": "\(peerNode)", "reason": "\(reason)"])
        // ICE consent or DTLS failed (a WAN outage) while tracks still need the link: the
        // dialing side sets up a new transport.
        if !isEmpty { worker.report(.transportLost(peer: peerNode)) }
    }

    // MARK: - Relays

    func addOutgoing(_ subscription: Subscription, key: Key) {
        if relays.addOutgoing(subscription, key: key) { CascadeMetrics.relaysOutgoing.increment() }
        subscription.downstream = self
    }

    @discardableResult
    func removeOutgoing(_ key: Key) -> Subscription? {
        guard let removed = relays.removeOutgoing(key, nowNanos: MonotonicClock.nowNanos) else { return nil }
        CascadeMetrics.relaysOutgoing.decrement()
        return removed
    }

    func outgoing(_ key: Key) -> Subscription? { relays.outgoing[key] }

    func outgoingKey(forSubscription id: String) -> Key? {
        relays.outgoing.first { $0.value.id == id }?.key
    }

    func carriesIncoming(_ key: Key) -> Bool { relays.incoming[key] != nil }

    func addIncoming(_ publication: Publication, key: Key, nowNanos: UInt64) {
        if relays.addIncoming(publication, key: key, nowNanos: nowNanos) { CascadeMetrics.relaysIncoming.increment() }
        for track in publication.tracks {
            if let ssrc = track.ssrc { incomingBySSRC[ssrc] = publication }
            if let rtx = track.rtxSSRC { incomingBySSRC[rtx] = publication }
        }
        publication.upstream = self
    }

    @discardableResult
    func removeIncoming(_ key: Key) -> Publication? {
        guard let publication = relays.removeIncoming(key, nowNanos: MonotonicClock.nowNanos) else { return nil }
        released(publication)
        return publication
    }

    private func released(_ publication: Publication) {
        CascadeMetrics.relaysIncoming.decrement()
        incomingBySSRC = incomingBySSRC.filter { $0.value !== publication }
    }

    /// The link's control channel closed: everything it carried, to end.
    func removeAll() -> (incoming: [Key], outgoing: [(key: Key, subscription: Subscription)]) {
        let all = relays.removeAll()
        for (_, publication) in all.incoming { released(publication) }
        for _ in all.outgoing { CascadeMetrics.relaysOutgoing.decrement() }
        return (all.incoming.map(\.key), all.outgoing.map { ($0.key, $0.value) })
    }

    // MARK: - Time

    /// Transport timers, SRs of outgoing relays, NACKs and RRs of incoming ones; then the relay
    /// table's clock: incoming relays nobody watches any more, and whether the link fell idle.
    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64,
              isWatched: (Key) -> Bool) -> RelayTable<Publication, Subscription>.Due {
        switch transport {
        case .dialed(let socket): socket.tick(nowNanos: nowNanos)
        case .accepted(let peer): peer.tick(nowNanos: nowNanos)
        case nil: break
        }
        if isConnected {
            for subscription in relays.outgoing.values { subscription.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos) }
            for relay in relays.incoming.values { relay.value.tick(nowNanos: nowNanos) }
        }
        let due = relays.tick(nowNanos: nowNanos, isWatched: isWatched)
        for (_, publication) in due.released { released(publication) }
        return due
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
}

extension CascadeLink: PeerTransportDelegate {
    func transportConnected(_ transport: PeerTransport) { transportUp() }

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        incomingBySSRC[header.ssrc]?.receiveRTP(packet, header: header, nowNanos: nowNanos)
    }

    /// Feedback about our outgoing relays (NACK, PLI, RR) and reports about incoming ones (SR):
    /// each subscription and publication picks the packets about its own SSRCs.
    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        for subscription in relays.outgoing.values { subscription.receiveRTCP(packets, nowNanos: nowNanos) }
        for relay in relays.incoming.values { relay.value.receiveRTCP(packets, nowNanos: nowNanos) }
    }

    func transportClosed(_ transport: PeerTransport, reason: String) {
        guard let current = self.transport, current.peerTransport === transport else { return }
        if case .dialed(let socket) = current { _ = socket.close() }
        transportDown(reason: reason)
    }
}
