import MediaAPI

// Host controls (docs/signaling.md, *Host controls*): only for hosts (the room's first
// participant, or a token with the `admin` grant). Each is answered with `ok` or an error.
extension Meeting {
    func hostMute(_ message: HostMuteMessage, re: RequestID?, participantID: String, connection: Outbox) async {
        guard let hostIndex = hostIndex(participantID, connection, re: re) else { return }
        let hostID = participants[hostIndex].id
        guard let target = index(of: message.participantId) else {
            return reply(error: SignalingError(.notFound, "no participant '\(message.participantId)'"), re: re, to: connection)
        }
        var silenced: [ResourceID] = []
        for position in participants[target].publications.indices {
            let publication = participants[target].publications[position]
            guard publication.kinds.contains(message.kind), !publication.muted[message.kind] else { continue }
            participants[target].publications[position].muted[message.kind] = true
            silenced.append(publication.resourceID)
            // Everyone, the target included: it must stop sending that kind.
            broadcast(TrackMutedEvent(participantId: message.participantId, publicationId: publication.id,
                                      kind: message.kind, muted: true, by: hostID))
        }
        connection.send(OkReply(re: re))
        for resourceID in silenced {
            await setForwarding(resourceID, kind: message.kind, enabled: false)
        }
    }

    func hostRemove(_ message: HostRemoveMessage, re: RequestID?, participantID: String, connection: Outbox) {
        guard let hostIndex = hostIndex(participantID, connection, re: re) else { return }
        let hostID = participants[hostIndex].id
        guard let target = index(of: message.participantId) else {
            return reply(error: SignalingError(.notFound, "no participant '\(message.participantId)'"), re: re, to: connection)
        }
        connection.send(OkReply(re: re))
        let reason = message.reason ?? "removed by a host"
        if let removed = participants[target].connection {
            removed.send(RemovedEvent(reason: reason, by: hostID))
            removed.close(code: SignalingCloseCode.normal, reason: "removed by a host")
        }
        logger.info("participant removed", metadata: ["participant": "\(message.participantId)", "by": "\(hostID)"])
        removeParticipant(at: target, reason: .removed)
    }

    func hostLock(_ message: HostLockMessage, re: RequestID?, participantID: String, connection: Outbox) {
        guard let hostIndex = hostIndex(participantID, connection, re: re) else { return }
        connection.send(OkReply(re: re))
        guard locked != message.locked else { return }
        locked = message.locked
        broadcast(RoomLockedEvent(locked: locked, by: participants[hostIndex].id))
    }

    func hostEnd(_ message: HostEndMessage, re: RequestID?, participantID: String, connection: Outbox) {
        guard let hostIndex = hostIndex(participantID, connection, re: re) else { return }
        connection.send(OkReply(re: re))
        end(reason: message.reason ?? "the host ended the meeting", by: participants[hostIndex].id)
    }

    /// The index of the sender if it is a host; otherwise replies `forbidden` (or `not_joined`).
    private func hostIndex(_ participantID: String, _ connection: Outbox, re: RequestID?) -> Int? {
        guard let index = currentIndex(participantID, connection) else {
            notJoined(re, connection)
            return nil
        }
        guard participants[index].isHost else {
            reply(error: SignalingError(.forbidden, "only a host may do this"), re: re, to: connection)
            return nil
        }
        return index
    }
}
