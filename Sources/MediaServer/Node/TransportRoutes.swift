import NIOCore

/// Which transport a datagram on a worker's shared port belongs to: a Binding request by the
/// ufrag its USERNAME names (RFC 8445 §7.2.2: `serverUfrag:clientUfrag`), everything else by the
/// 5-tuple ICE validated. A value the worker owns; transports tell it what they learn through
/// `PeerTransportRouter`.
struct TransportRoutes {
    private var byUfrag: [String: PeerTransport] = [:]
    private var byAddress: [SocketAddress: PeerTransport] = [:]

    func transport(forUfrag ufrag: String) -> PeerTransport? { byUfrag[ufrag] }

    func transport(from address: SocketAddress) -> PeerTransport? { byAddress[address] }

    /// Checks naming the transport's current ufrag reach it (at creation, and after an ICE
    /// restart, while the previous ufrag still routes until the restart completes).
    mutating func routeUfrag(of transport: PeerTransport) {
        byUfrag[transport.localUfrag] = transport
    }

    mutating func unrouteUfrag(_ ufrag: String, of transport: PeerTransport) {
        if byUfrag[ufrag] === transport { byUfrag.removeValue(forKey: ufrag) }
    }

    mutating func route(_ address: SocketAddress, to transport: PeerTransport) {
        byAddress[address] = transport
    }

    /// Forgets every route to a closed transport.
    mutating func remove(_ transport: PeerTransport) {
        for (ufrag, routed) in byUfrag where routed === transport { byUfrag.removeValue(forKey: ufrag) }
        for address in transport.routedAddresses where byAddress[address] === transport {
            byAddress.removeValue(forKey: address)
        }
    }
}
