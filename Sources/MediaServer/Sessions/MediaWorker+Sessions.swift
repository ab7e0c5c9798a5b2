import Foundation
import DTLS
import ICE
import MediaAPI
import Negotiation
import RTP
import SDP
import SFU

/// WHIP/WHEP operations, run on the worker's loop: negotiate, create the transport and the SFU
/// side, and register the ICE ufrag before the answer leaves (INTEROP-NOTES §1).
extension MediaWorker {
    func publish(_ request: PublishRequest, clientAddress: String?) throws(MediaError) -> SessionAnswer {
        let ticket = try admission.admit(identity: request.identity, address: clientAddress)
        var admitted = false
        defer { if !admitted { admission.release(ticket) } }
        let offer = try parseOffer(request.offerSDP)
        let credentials = ICECredentials.random()
        let negotiated = try negotiate(offer, capabilities: .sfuDefault, credentials: credentials, direction: .recvonly)
        let accepted = negotiated.accepted
        if let refusal = PublishRules.refusal(of: accepted) { throw .unacceptableOffer(refusal) }

        let resourceID = ResourceID.random(node: configuration.nodeID)
        let extensionIDs = ExtensionIDs(accepted.first?.extensions ?? [:])
        let localSSRC = UInt32.random(in: 1...UInt32.max)
        var tracks: [PublisherTrack] = []
        var sendsTransportCC = false
        var sendsREMB = false
        for media in accepted {
            guard let codec = media.codec else { continue }
            sendsTransportCC = sendsTransportCC || codec.feedback.contains("transport-cc")
            sendsREMB = sendsREMB || codec.feedback.contains("goog-remb")
            tracks.append(PublisherTrack(
                mid: media.mid, codec: TrackCodec(media, codec), ssrc: media.remoteSSRCs.first?.primary,
                rtxSSRC: media.remoteSSRCs.first?.rtx, extensionIDs: ExtensionIDs(media.extensions),
                localSSRC: localSSRC, counters: forwardingCounters, fanout: fanout))
        }
        let publication = Publication(
            id: resourceID.description, identity: request.identity, tracks: tracks, extensionIDs: extensionIDs,
            localSSRC: localSSRC, sendsTransportCC: sendsTransportCC && extensionIDs.transportWideSequence != nil,
            sendsREMB: sendsREMB)
        let transport = try makeTransport(id: resourceID.description, credentials: credentials, negotiated: negotiated,
                                          room: request.room)
        let session = PublishSession(id: resourceID.description, room: request.room, transport: transport,
                                     answer: negotiated.answer, publication: publication, worker: self)
        room(named: request.room).add(publication)
        session.quotaTicket = ticket
        admitted = true
        sessions[session.id] = session
        transport.logger.info("publication started", metadata: [
            "room": "\(request.room)", "resource": "\(resourceID)", "participant": "\(request.identity)",
            "tracks": "\(tracks.map { "\($0.codec.kind.rawValue):\($0.codec.name)" })",
        ])
        CascadeMetrics.publications.increment()
        return session.sessionAnswer
    }

    func unpublish(room: String, resourceID: ResourceID) throws(MediaError) {
        guard let session = sessions[resourceID.description] as? PublishSession, session.room == room else {
            throw .notFound("no publication '\(resourceID)' in room '\(room)'")
        }
        session.close(reason: "unpublished")
    }

    func subscribe(_ request: SubscribeRequest, clientAddress: String?) throws(MediaError) -> SessionAnswer {
        guard let room = rooms[request.room], let publication = room.publications[request.resourceID.description] else {
            throw .notFound("no publication '\(request.resourceID)' in room '\(request.room)'")
        }
        let ticket = try admission.admit(identity: request.identity, address: clientAddress)
        var admitted = false
        defer { if !admitted { admission.release(ticket) } }
        let offer = try parseOffer(request.offerSDP)
        let credentials = ICECredentials.random()
        let sessionID = randomToken(length: 16)
        let cname = randomToken(length: 16)
        var outgoing: [String: OutgoingTrack] = [:]
        for track in publication.tracks {
            let kind = track.codec.kind.rawValue
            outgoing[kind] = OutgoingTrack(
                ssrc: UInt32.random(in: 1...UInt32.max),
                rtxSSRC: track.codec.kind == .video ? UInt32.random(in: 1...UInt32.max) : nil,
                cname: cname, streamID: publication.id, trackID: "\(publication.id)-\(kind)")
        }
        let capabilities = MediaCapabilities.forwarding(publication.tracks.map(\.codec))
        let negotiated = try negotiate(offer, capabilities: capabilities, credentials: credentials, direction: .sendonly,
                                       outgoingTracks: outgoing)
        var tracks: [SubscriberTrack] = []
        for media in negotiated.accepted {
            guard let codec = media.codec, let sent = outgoing[media.kind.rawValue] else { continue }
            tracks.append(SubscriberTrack(
                mid: media.mid, codec: TrackCodec(media, codec), ssrc: sent.ssrc, rtxSSRC: sent.rtxSSRC,
                extensionIDs: ExtensionIDs(media.extensions), counters: forwardingCounters))
        }
        guard !tracks.isEmpty else { throw .noCommonCodec("the offer receives none of the publication's tracks") }
        let subscription = Subscription(id: sessionID, identity: request.identity, publicationID: publication.id,
                                        cname: cname, tracks: tracks)
        let transport = try makeTransport(id: sessionID, credentials: credentials, negotiated: negotiated, room: request.room)
        let session = SubscribeSession(id: sessionID, room: request.room, transport: transport,
                                       answer: negotiated.answer, subscription: subscription, worker: self)
        room.add(subscription, to: publication, nowNanos: MonotonicClock.nowNanos)
        session.quotaTicket = ticket
        admitted = true
        sessions[sessionID] = session
        transport.logger.info("subscription started", metadata: [
            "room": "\(request.room)", "resource": "\(request.resourceID)", "participant": "\(request.identity)",
        ])
        return session.sessionAnswer
    }

    func unsubscribe(room: String, sessionID: String) throws(MediaError) {
        guard let session = sessions[sessionID] as? SubscribeSession, session.room == room else {
            throw .notFound("no playback session '\(sessionID)' in room '\(room)'")
        }
        session.close(reason: "unsubscribed")
    }

    /// The identity whose token created session `id` (a WHIP publication or a WHEP playback
    /// session) in `room`, or nil if there is no such session there.
    func owner(ofSession id: String, room: String) -> String? {
        guard let session = sessions[id], session.room == room else { return nil }
        switch session {
        case let publishing as PublishSession: return publishing.publication.identity
        case let playing as SubscribeSession: return playing.subscription.identity
        default: return nil
        }
    }

    func updateICE(_ request: ICEUpdateRequest) throws(MediaError) -> ICEUpdateAnswer {
        guard let session = sessions[request.sessionID], session.room == request.room else {
            throw .notFound("no session '\(request.sessionID)' in room '\(request.room)'")
        }
        return try session.updateICE(request)
    }

    func publications(room: String) -> [PublicationInfo] {
        guard let room = rooms[room] else { return [] }
        return room.publications.values.sorted { $0.id < $1.id }.map { publication in
            PublicationInfo(resourceId: publication.id, identity: publication.identity, tracks: publication.tracks.map {
                PublicationInfo.Track(kind: $0.codec.kind.rawValue, codec: $0.codec.name, mid: $0.mid)
            })
        }
    }

    func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) throws(MediaError) {
        guard let session = sessions[sessionID] as? SubscribeSession, session.room == room else {
            throw .notFound("no playback session '\(sessionID)' in room '\(room)'")
        }
        let now = MonotonicClock.nowNanos
        for track in session.subscription.tracks where track.codec.kind.rawValue == kind.rawValue {
            track.setPaused(paused, nowNanos: now)
        }
    }

    func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) throws(MediaError) {
        guard let publication = rooms[room]?.publications[resourceID.description] else {
            throw .notFound("no publication '\(resourceID)' in room '\(room)'")
        }
        let now = MonotonicClock.nowNanos
        for track in publication.tracks where track.codec.kind.rawValue == kind.rawValue {
            track.setForwarding(enabled, nowNanos: now)
        }
    }

    func audioLevels(room: String) -> [AudioLevelReport] {
        guard let room = rooms[room] else { return [] }
        return room.publications.values.compactMap { publication in
            guard let level = publication.track(kind: .audio)?.takeAudioLevel() else { return nil }
            return AudioLevelReport(resourceId: publication.id, level: level.level, voiceActivity: level.voiceActivity)
        }
    }

    func sessionStats(room: String) -> [SessionStats] {
        sessions.values.filter { $0.room == room }.compactMap { session in
            switch session {
            case let publish as PublishSession:
                let loss = publish.publication.tracks.map(\.recentLossFraction).max() ?? 0
                return SessionStats(sessionId: publish.id, role: .publish, connected: publish.transport.isConnected,
                                    lossFraction: loss, roundTripMillis: nil)
            case let subscribe as SubscribeSession:
                let qualities = subscribe.subscription.tracks.map(\.receptionQuality)
                let rtt = qualities.compactMap(\.roundTripNanos).max().map { Double($0) / 1_000_000 }
                return SessionStats(sessionId: subscribe.id, role: .subscribe, connected: subscribe.transport.isConnected,
                                    lossFraction: qualities.map(\.lossFraction).max() ?? 0, roundTripMillis: rtt)
            default:
                return nil
            }
        }
    }

    // MARK: - Teardown (called by sessions when their transport closes)

    func publicationEnded(_ session: PublishSession) {
        sessionEnded(session)
        CascadeMetrics.publications.decrement()
        guard let room = rooms[session.room] else { return }
        endPublication(session.publication.id, in: room)
    }

    /// A publisher leaving ends its subscribers' tracks cleanly: BYE, then close_notify; the
    /// links that relay it tell their peers (`ended`).
    func endPublication(_ id: String, in room: Room) {
        for subscription in room.remove(publication: id) {
            subscription.goodbye()
            if let session = sessions[subscription.id] {
                session.close(reason: "the publication ended")
            } else {
                outgoingRelayEnded(subscription, in: room)
            }
        }
        removeRoomIfEmpty(room)
    }

    func subscriptionEnded(_ session: SubscribeSession) {
        sessionEnded(session)
        guard let room = rooms[session.room] else { return }
        room.remove(subscription: session.id)
        removeRoomIfEmpty(room)
    }

    /// Forgets a session that ended and gives back its place in the node's limits (once: the
    /// ticket goes with the first call).
    private func sessionEnded(_ session: MediaSession) {
        sessions.removeValue(forKey: session.id)
        if let ticket = session.quotaTicket {
            session.quotaTicket = nil
            admission.release(ticket)
        }
    }

    // MARK: - Helpers

    func room(named name: String) -> Room {
        if let room = rooms[name] { return room }
        let room = Room(name: name)
        rooms[name] = room
        return room
    }

    func removeRoomIfEmpty(_ room: Room) {
        if room.isEmpty { rooms.removeValue(forKey: room.name) }
    }

    private func parseOffer(_ text: String) throws(MediaError) -> SessionDescription {
        do {
            return try SessionDescription.parse(text)
        } catch {
            throw .malformedOffer("\(error)")
        }
    }

    private func negotiate(_ offer: SessionDescription, capabilities: MediaCapabilities, credentials: ICECredentials,
                           direction: MediaDirection, outgoingTracks: [String: OutgoingTrack] = [:]) throws(MediaError) -> NegotiatedSession {
        guard let certificate else { throw .internalFailure("no DTLS certificate") }
        let candidate = ICECandidate(
            foundation: "1", component: 1, transport: "udp",
            // RFC 8445 §5.1.2.1: type preference 126 (host), local preference 65535, component 1.
            priority: (126 << 24) | (65535 << 8) | 255,
            address: configuration.candidateHost, port: UInt16(port), type: .host)
        let options = AnswerOptions(
            iceUfrag: credentials.ufrag, icePwd: credentials.password, fingerprintSHA256: certificate.fingerprintSHA256,
            candidates: [candidate] + iceTCPCandidates, direction: direction, outgoingTracks: outgoingTracks,
            sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        do {
            return try makeAnswer(to: offer, capabilities: capabilities, options: options)
        } catch {
            switch error {
            case .malformed(let reason): throw .malformedOffer(reason)
            case .noCommonCodec(let kind): throw .noCommonCodec("no \(kind.rawValue) codec in the offer is supported")
            case .bundleRequired, .unsupported, .invalidOptions: throw .unacceptableOffer(error.description)
            }
        }
    }

    private func makeTransport(id: String, credentials: ICECredentials, negotiated: NegotiatedSession,
                               room: String) throws(MediaError) -> PeerTransport {
        guard let fingerprint = negotiated.remote.fingerprints.first(where: { $0.algorithm.lowercased() == "sha-256" }) else {
            throw .unacceptableOffer("the offer has no sha-256 fingerprint")
        }
        var logger = self.logger
        logger[metadataKey: "room"] = "\(room)"
        return try openTransport(id: id, credentials: credentials,
                                 remote: .init(ufrag: negotiated.remote.iceUfrag, password: negotiated.remote.icePwd,
                                               fingerprint: fingerprint.value),
                                 logger: logger)
    }
}
