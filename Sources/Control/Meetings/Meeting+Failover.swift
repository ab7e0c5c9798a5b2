import MediaAPI

// docs/signaling.md, *When a media node fails*.
extension Meeting {
    /// The media node `node` died, and with it its participants' media. Each of them keeps its
    /// place in the room, is placed again (from its address, avoiding the dead node) and told
    /// `media.moved`, upon which it publishes and subscribes again on its new node. The others
    /// see its publications end (`track.unpublished`) and start again when it republishes;
    /// media between participants on other nodes is untouched.
    func moveParticipants(offNode node: String) async {
        let affected = participants.filter { $0.mediaNode == node }.map(\.id)
        guard !affected.isEmpty else { return }
        var cleanup = MediaCleanup()
        for id in affected {
            guard let index = index(of: id) else { continue }
            let publications = participants[index].publications
            participants[index].publications = []
            participants[index].subscriptions = []
            participants[index].pendingSources = []
            for publication in publications { cleanup.merge(endPublication(publication, of: id)) }
        }
        // Nothing can be ended on the dead node; sessions elsewhere that watched its
        // publications are ended there.
        cleanup.subscriptions.removeAll { $0.node == node }
        cleanup.publications.removeAll { $0.node == node }
        run(cleanup)

        for id in affected {
            guard let address = index(of: id).map({ participants[$0].clientAddress }) else { continue }
            let target = await nodes.place(room: name, clientAddress: address, avoiding: [node])
            guard let index = index(of: id), participants[index].mediaNode == node else { continue }
            guard let target else {
                participants[index].connection?.send(ErrorReply(re: nil, error: SignalingError(
                    .mediaUnavailable, "the media server of this meeting stopped and no other one is available; try again shortly")))
                continue
            }
            participants[index].mediaNode = target
            participants[index].connection?.send(MediaMovedEvent(reason: "the media server '\(node)' stopped"))
            logger.notice("participant moved to another media node", metadata: [
                "participant": "\(id)", "from": "\(node)", "to": "\(target)",
            ])
        }
    }
}
