import MediaAPI

// Media negotiation (docs/signaling.md, *Media negotiation*): the room checks grants and
// ownership, calls the media API, and tells the others.
extension Meeting {
    func publish(_ message: PublishMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        let participant = participants[index]
        guard participant.grants.publish else {
            return reply(error: SignalingError(.forbidden, "the token does not grant 'publish'"), re: re, to: connection)
        }
        guard !participant.pendingSources.contains(message.source),
              !participant.publications.contains(where: { $0.source == message.source }) else {
            return reply(error: SignalingError(.alreadyPublished, "there is already a \(message.source.rawValue) publication; unpublish it first"), re: re, to: connection)
        }
        if let problem = SDPMediaKinds.check(offer: message.offer, source: message.source) {
            return reply(error: problem, re: re, to: connection)
        }

        participants[index].pendingSources.insert(message.source)
        let answer: SessionAnswer
        do throws(MediaError) {
            let media = try await api(forNode: participant.mediaNode)
            answer = try await media.publish(PublishRequest(room: name, identity: participant.identity, offerSDP: message.offer))
        } catch {
            if let index = self.index(of: participantID) { participants[index].pendingSources.remove(message.source) }
            return reply(error: SignalingError(error), re: re, to: connection)
        }

        // The world may have moved on while the media node answered.
        guard let index = self.index(of: participantID), !closed else {
            run(MediaCleanup(publications: ResourceID(answer.sessionID).map { [$0] } ?? []))
            return
        }
        participants[index].pendingSources.remove(message.source)
        guard let resourceID = ResourceID(answer.sessionID) else {
            return reply(error: SignalingError(.internal, "the media node returned an invalid resource id '\(answer.sessionID)'"), re: re, to: connection)
        }
        var kinds = SDPMediaKinds.distinct(SDPMediaKinds.kinds(in: answer.answerSDP))
        if kinds.isEmpty { kinds = SDPMediaKinds.distinct(SDPMediaKinds.kinds(in: message.offer)) }
        let muted = message.muted ?? MuteFlags()
        let publication = SharedMedia(id: resourceID.description, resourceID: resourceID, source: message.source,
                                      kinds: kinds, muted: muted)
        participants[index].publications.append(publication)
        connection.send(PublishedReply(re: re, publicationId: publication.id, answer: answer.answerSDP))
        broadcast(TrackPublishedEvent(participantId: participantID, publication: publication.summary), except: participantID)
        logger.info("published", metadata: ["participant": "\(participantID)", "publication": "\(publication.id)", "source": "\(message.source.rawValue)"])

        // A track that starts muted is not forwarded until its owner unmutes it.
        for kind in kinds where muted[kind] {
            await setForwarding(resourceID, kind: kind, enabled: false)
        }
    }

    func unpublish(_ message: UnpublishMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        guard let position = participants[index].publications.firstIndex(where: { $0.id == message.publicationId }) else {
            return reply(error: SignalingError(.notFound, "you have no publication '\(message.publicationId)'"), re: re, to: connection)
        }
        let publication = participants[index].publications.remove(at: position)
        var cleanup = endPublication(publication, of: participantID)
        cleanup.publications.append(publication.resourceID)
        connection.send(UnpublishedReply(re: re, publicationId: publication.id))
        run(cleanup)
    }

    func subscribe(_ message: SubscribeMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        let participant = participants[index]
        guard participant.grants.subscribe else {
            return reply(error: SignalingError(.forbidden, "the token does not grant 'subscribe'"), re: re, to: connection)
        }
        guard let publication = publication(withID: message.publicationId) else {
            return reply(error: SignalingError(.notFound, "no publication '\(message.publicationId)' in this room"), re: re, to: connection)
        }
        let answer: SessionAnswer
        do throws(MediaError) {
            let media = try await api(forNode: participant.mediaNode)
            answer = try await media.subscribe(SubscribeRequest(room: name, identity: participant.identity,
                                                               resourceID: publication.resourceID, offerSDP: message.offer))
        } catch {
            return reply(error: SignalingError(error), re: re, to: connection)
        }
        let session = MediaSessionRef(node: participant.mediaNode, id: answer.sessionID)
        guard let index = self.index(of: participantID), !closed, participants[index].mediaNode == session.node else {
            run(MediaCleanup(subscriptions: [session]))
            return
        }
        guard self.publication(withID: message.publicationId) != nil else {
            // Unpublished while the media node answered: the subscription has nothing to carry.
            run(MediaCleanup(subscriptions: [session]))
            return reply(error: SignalingError(.notFound, "the publication '\(message.publicationId)' ended"), re: re, to: connection)
        }
        participants[index].subscriptions.append(Playback(id: answer.sessionID, publicationID: publication.id, node: session.node))
        connection.send(SubscribedReply(re: re, subscriptionId: answer.sessionID, publicationId: publication.id, answer: answer.answerSDP))
    }

    func unsubscribe(_ message: UnsubscribeMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        guard let position = participants[index].subscriptions.firstIndex(where: { $0.id == message.subscriptionId }) else {
            return reply(error: SignalingError(.notFound, "you have no subscription '\(message.subscriptionId)'"), re: re, to: connection)
        }
        let subscription = participants[index].subscriptions.remove(at: position)
        connection.send(UnsubscribedReply(re: re, subscriptionId: message.subscriptionId))
        run(MediaCleanup(subscriptions: [subscription.session]))
    }

    func pause(_ message: PauseMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        guard let subscription = participants[index].subscriptions.first(where: { $0.id == message.subscriptionId }) else {
            return reply(error: SignalingError(.notFound, "you have no subscription '\(message.subscriptionId)'"), re: re, to: connection)
        }
        do throws(MediaError) {
            let media = try await api(forNode: subscription.node)
            try await media.setPaused(room: name, sessionID: message.subscriptionId, kind: message.kind, paused: message.paused)
        } catch {
            return reply(error: SignalingError(error), re: re, to: connection)
        }
        if let index = self.index(of: participantID),
           let position = participants[index].subscriptions.firstIndex(where: { $0.id == message.subscriptionId }) {
            if message.paused {
                participants[index].subscriptions[position].paused.insert(message.kind)
            } else {
                participants[index].subscriptions[position].paused.remove(message.kind)
            }
        }
        connection.send(PausedReply(re: re, subscriptionId: message.subscriptionId, kind: message.kind, paused: message.paused))
    }

    /// `ice.restart` of one's own publication or subscription: the browser moved to another
    /// network (Wi-Fi to cable) and keeps its session, its ids and everyone's view of it; only
    /// ICE starts again, on the node that holds the session.
    func restartICE(_ message: ICERestartMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        let participant = participants[index]
        let session: MediaSessionRef
        if let id = message.publicationId {
            guard let publication = participant.publications.first(where: { $0.id == id }) else {
                return reply(error: SignalingError(.notFound, "you have no publication '\(id)'"), re: re, to: connection)
            }
            session = MediaSessionRef(node: publication.resourceID.node, id: publication.id)
        } else {
            let id = message.subscriptionId ?? ""
            guard let subscription = participant.subscriptions.first(where: { $0.id == id }) else {
                return reply(error: SignalingError(.notFound, "you have no subscription '\(id)'"), re: re, to: connection)
            }
            session = subscription.session
        }
        let answer: ICEUpdateAnswer
        do throws(MediaError) {
            let media = try await api(forNode: session.node)
            answer = try await media.updateICE(ICEUpdateRequest(room: name, sessionID: session.id, ifMatch: "*",
                                                                fragment: message.offer))
        } catch {
            return reply(error: SignalingError(error), re: re, to: connection)
        }
        guard let sdp = answer.answerSDP else {
            return reply(error: SignalingError(.internal, "the media node restarted ICE without an answer"), re: re, to: connection)
        }
        connection.send(ICERestartedReply(re: re, answer: sdp))
        logger.info("ICE restarted", metadata: ["participant": "\(participantID)", "session": "\(session.id)"])
    }

    /// `mute` of one's own publication. The media node stops forwarding a muted kind, so a
    /// muted microphone is silent for everyone even if the client keeps sending.
    func mute(_ message: MuteMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        guard let position = participants[index].publications.firstIndex(where: { $0.id == message.publicationId }) else {
            return reply(error: SignalingError(.notFound, "you have no publication '\(message.publicationId)'"), re: re, to: connection)
        }
        let publication = participants[index].publications[position]
        guard publication.kinds.contains(message.kind) else {
            return reply(error: SignalingError(.notFound, "the publication '\(publication.id)' has no \(message.kind.rawValue) track"), re: re, to: connection)
        }
        let changed = publication.muted[message.kind] != message.muted
        participants[index].publications[position].muted[message.kind] = message.muted
        connection.send(MutedReply(re: re, publicationId: publication.id, kind: message.kind, muted: message.muted))
        if changed {
            broadcast(TrackMutedEvent(participantId: participantID, publicationId: publication.id, kind: message.kind,
                                      muted: message.muted, by: "self"), except: participantID)
        }
        await setForwarding(publication.resourceID, kind: message.kind, enabled: !message.muted)
    }

    func setForwarding(_ resourceID: ResourceID, kind: TrackKind, enabled: Bool) async {
        do {
            // The origin node stops forwarding: every node relaying the track goes quiet with it.
            let media = try await api(forNode: resourceID.node)
            try await media.setForwarding(room: name, resourceID: resourceID, kind: kind, enabled: enabled)
        } catch {
            logger.warning("could not change forwarding", metadata: ["resource": "\(resourceID)", "kind": "\(kind.rawValue)", "error": "\(error)"])
        }
    }

    /// The API of a media node, or `internalFailure` when the node is gone.
    func api(forNode node: String) async throws(MediaError) -> any MediaAPI {
        guard let media = await nodes.api(forNode: node) else {
            throw .internalFailure("media node '\(node)' is not available")
        }
        return media
    }

    /// Media nodes serving participants of this room (for polling levels and statistics).
    var nodesInUse: [String] {
        Array(Set(participants.map(\.mediaNode))).sorted()
    }

    func publication(withID id: String) -> SharedMedia? {
        for participant in participants {
            if let publication = participant.publications.first(where: { $0.id == id }) { return publication }
        }
        return nil
    }
}
