import Cascade
import DTLS
import ICE
import MediaAPI
import NIOCore
import PeerConnection
import SFU
import STUN

/// What a worker tells the node's `CascadeLinks` about its relays: yielded on the worker's loop
/// into one stream per node, which the links read in order.
enum CascadeEvent: Sendable, Equatable {
    /// An incoming relay lost its last local subscriber: ask the origin to `stop`.
    case released(peer: String, room: String, resource: String)
    /// An outgoing relay's publication ended here: tell the puller (`ended`).
    case ended(peer: String, room: String, resource: String)
    /// The link to `peer` has carried nothing for a while (`RelayTable.emptyLingerNanos`).
    case linkIdle(peer: String)
    /// The link's media transport failed while it still carries tracks.
    case transportLost(peer: String)
}

/// Cascade relays on the worker's loop: the link transports, and the publications and
/// subscriptions that stand for tracks crossing a link.
extension MediaWorker {
    func link(to peer: String) -> CascadeLink {
        if let link = links[peer] { return link }
        let link = CascadeLink(peerNode: peer, worker: self)
        links[peer] = link
        return link
    }

    // MARK: - Transport

    /// Dialing side: a controlling ICE agent and DTLS client on a fresh outbound UDP socket.
    /// Returns our parameters for `transport.offer`; `startDialedTransport` runs ICE once the
    /// answer is back.
    func prepareDialedTransport(peer: String) -> EventLoopFuture<LinkICEParameters> {
        guard let certificate else { return loop.makeFailedFuture(MediaError.internalFailure("no DTLS certificate")) }
        var logger = self.logger
        logger[metadataKey: "peer_node"] = "\(peer)"
        let connection = PeerConnection(iceRole: .controlling, dtlsRole: .client, certificate: certificate)
        return ClientUDPSocket.open(connection: connection, transportID: "link-\(peer)-\(randomToken(length: 8))",
                                    logger: logger, on: loop, host: configuration.bindHost).map { [self] socket in
            // Link packets fan out to this worker's subscribers: flush everything per burst.
            socket.afterReadBurst = { [unowned self] in flushIfNeeded() }
            link(to: peer).attach(.dialed(socket))
            let credentials = socket.transport.connection.localCredentials
            return LinkICEParameters(ufrag: credentials.ufrag, pwd: credentials.password,
                                     fingerprint: certificate.fingerprintSHA256, candidates: [])
        }
    }

    func startDialedTransport(peer: String, answer: LinkICEParameters) throws(MediaError) {
        guard case .dialed(let socket) = links[peer]?.transport else {
            throw .internalFailure("no dialed transport toward \(peer)")
        }
        let candidates = answer.candidates.compactMap { TransportAddress($0) }
        guard !candidates.isEmpty else { throw .unacceptableOffer("the peer's answer has no usable candidate") }
        do {
            try socket.transport.start(remote: .init(ufrag: answer.ufrag, password: answer.pwd, fingerprint: answer.fingerprint,
                                                     candidates: candidates),
                                       nowNanos: MonotonicClock.nowNanos)
        } catch {
            throw .internalFailure("could not start the link's DTLS client: \(error)")
        }
        socket.flushIfNeeded()
    }

    /// Accepting side: ICE-lite and DTLS server on our media port, as for a browser.
    func acceptTransport(peer: String, offer: LinkICEParameters) throws(MediaError) -> LinkICEParameters {
        guard let certificate else { throw .internalFailure("no DTLS certificate") }
        let credentials = ICECredentials.random()
        var logger = self.logger
        logger[metadataKey: "peer_node"] = "\(peer)"
        let transport = try openTransport(id: "link-\(peer)-\(randomToken(length: 8))", credentials: credentials,
                                          remote: .init(ufrag: offer.ufrag, password: offer.pwd, fingerprint: offer.fingerprint),
                                          logger: logger)
        link(to: peer).attach(.accepted(transport))
        return LinkICEParameters(ufrag: credentials.ufrag, pwd: credentials.password,
                                 fingerprint: certificate.fingerprintSHA256,
                                 candidates: ["\(configuration.candidateHost):\(port)"])
    }

    // MARK: - Outgoing relays (this node is the origin)

    /// The peer pulls a publication: a subscription whose downstream is the link. Normally the
    /// publication originates here; an intermediary (between two nodes that cannot link) also
    /// serves one it receives over another link — never back over the link it came from, nor
    /// to its origin. Each node holds one copy of a track at most, so a track's relay graph is
    /// a tree rooted at its origin and no track loops or crosses a link twice.
    func addOutgoingRelay(peer: String, room roomName: String, resource: String) throws(MediaError) -> RelayDescription {
        guard let id = ResourceID(resource) else { throw .notFound("'\(resource)' is not a resource id") }
        let key = CascadeLink.Key(room: roomName, resource: resource)
        if id.node != configuration.nodeID {
            guard let source = links.values.first(where: { $0.carriesIncoming(key) }),
                  RoutingPlan.mayServeRelayed(origin: id.node, receivedFrom: source.peerNode, to: peer) else {
                throw .notFound("'\(resource)' originates on node '\(id.node)' and is not relayed here from a third node")
            }
        }
        guard let room = rooms[roomName], let publication = room.publications[resource] else {
            throw .notFound("no publication '\(resource)' in room '\(roomName)'")
        }
        let link = link(to: peer)
        if let existing = link.outgoing(key) { return Self.describe(existing, of: publication) }
        let tracks = publication.tracks.map { track in
            SubscriberTrack(mid: track.codec.kind.rawValue, codec: track.codec, ssrc: UInt32.random(in: 1...UInt32.max),
                            rtxSSRC: track.codec.kind == .video ? UInt32.random(in: 1...UInt32.max) : nil,
                            extensionIDs: CascadeLink.extensionIDs, counters: forwardingCounters)
        }
        let subscription = Subscription(id: "relay-\(peer)-\(randomToken(length: 12))", identity: "node:\(peer)",
                                        publicationID: publication.id, cname: randomToken(length: 16), tracks: tracks)
        link.addOutgoing(subscription, key: key)
        room.add(subscription, to: publication, nowNanos: MonotonicClock.nowNanos)
        logger.info("relaying publication to peer", metadata: ["peer_node": "\(peer)", "room": "\(roomName)", "resource": "\(resource)"])
        return Self.describe(subscription, of: publication)
    }

    private static func describe(_ subscription: Subscription, of publication: Publication) -> RelayDescription {
        RelayDescription(identity: publication.identity, tracks: subscription.tracks.map { track in
            RelayDescription.Track(kind: track.codec.kind.rawValue, codec: track.codec.name, clockRate: track.codec.clockRate,
                                   channels: track.codec.channels, payloadType: track.codec.payloadType,
                                   rtxPayloadType: track.codec.rtxPayloadType, fmtp: track.codec.fmtp,
                                   ssrc: track.ssrc, rtxSSRC: track.rtxSSRC, mid: track.mid)
        })
    }

    /// The peer sent `stop`.
    func removeOutgoingRelay(peer: String, room roomName: String, resource: String) {
        guard let link = links[peer], let subscription = link.removeOutgoing(.init(room: roomName, resource: resource)) else { return }
        if let room = rooms[roomName] {
            room.remove(subscription: subscription.id)
            removeRoomIfEmpty(room)
        }
    }

    /// Our publication ended while a link relayed it (called from `endPublication`).
    func outgoingRelayEnded(_ subscription: Subscription, in room: Room) {
        for link in links.values {
            guard let key = link.outgoingKey(forSubscription: subscription.id) else { continue }
            link.removeOutgoing(key)
            room.remove(subscription: subscription.id)
            report(.ended(peer: link.peerNode, room: key.room, resource: key.resource))
        }
    }

    // MARK: - Incoming relays (the peer is the origin)

    /// Makes a pulled publication available in the room, fed by the link. Idempotent.
    func addIncomingRelay(peer: String, room roomName: String, resource: String, description: RelayDescription) throws(MediaError) {
        let room = room(named: roomName)
        if room.publications[resource] != nil { return }
        let localSSRC = UInt32.random(in: 1...UInt32.max)
        var tracks: [PublisherTrack] = []
        for track in description.tracks {
            guard let kind = SFU.MediaKind(rawValue: track.kind) else { continue }
            let codec = TrackCodec(kind: kind, name: track.codec, clockRate: track.clockRate, channels: track.channels,
                                   payloadType: track.payloadType, rtxPayloadType: track.rtxPayloadType, fmtp: track.fmtp)
            tracks.append(PublisherTrack(mid: track.mid, codec: codec, ssrc: track.ssrc, rtxSSRC: track.rtxSSRC,
                                         extensionIDs: CascadeLink.extensionIDs, localSSRC: localSSRC, counters: forwardingCounters, fanout: fanout))
        }
        guard !tracks.isEmpty else { throw .noCommonCodec("the relayed publication has no usable track") }
        let publication = Publication(id: resource, identity: description.identity, tracks: tracks,
                                      extensionIDs: CascadeLink.extensionIDs, localSSRC: localSSRC,
                                      sendsTransportCC: false, sendsREMB: false)
        room.add(publication)
        link(to: peer).addIncoming(publication, key: .init(room: roomName, resource: resource), nowNanos: MonotonicClock.nowNanos)
        logger.info("receiving relayed publication", metadata: ["peer_node": "\(peer)", "room": "\(roomName)", "resource": "\(resource)"])
    }

    func hasPublication(room: String, resource: String) -> Bool {
        rooms[room]?.publications[resource] != nil
    }

    /// The origin sent `ended`, or the link is gone: local subscribers' tracks end.
    func endIncomingRelay(peer: String, room roomName: String, resource: String) {
        guard let link = links[peer], link.removeIncoming(.init(room: roomName, resource: resource)) != nil else { return }
        if let room = rooms[roomName] { endPublication(resource, in: room) }
    }

    /// The link's control channel closed: every relay over it ends and its transport closes.
    func linkLost(peer: String) {
        guard let link = links.removeValue(forKey: peer) else { return }
        let carried = link.removeAll()
        for key in carried.incoming {
            if let room = rooms[key.room] { endPublication(key.resource, in: room) }
        }
        for (key, subscription) in carried.outgoing {
            if let room = rooms[key.room] {
                room.remove(subscription: subscription.id)
                removeRoomIfEmpty(room)
            }
        }
        link.closeTransport(reason: "link closed")
        flushIfNeeded()
    }

    /// Closes the transport of a link that carries nothing; false when it carries again.
    func closeLinkTransport(peer: String) -> Bool {
        guard let link = links[peer] else { return true }
        guard link.isEmpty else { return false }
        link.closeTransport(reason: "the link carries nothing")
        flushIfNeeded()
        return true
    }

    // MARK: - Timers

    func tickLinks(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        for link in Array(links.values) {
            let due = link.tick(nowNanos: nowNanos, wallClockUnixNanos: wallClockUnixNanos) { key in
                rooms[key.room]?.isWatched(publication: key.resource) ?? false
            }
            for (key, publication) in due.released {
                if let room = rooms[key.room] { endPublication(publication.id, in: room) }
                report(.released(peer: link.peerNode, room: key.room, resource: key.resource))
            }
            if due.linkIdle { report(.linkIdle(peer: link.peerNode)) }
        }
    }

    /// Hands an event to the node's links, in order.
    func report(_ event: CascadeEvent) {
        cascadeEvents?.yield(CascadeLinks.WorkerEvent(worker: index, event: event))
    }
}
