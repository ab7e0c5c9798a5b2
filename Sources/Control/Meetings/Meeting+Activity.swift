import MediaAPI

// What participants do besides media: chat, connection quality, active speakers, and the
// dispatch of every joined participant's message.
extension Meeting {
    func handle(_ incoming: IncomingMessage, participantID: String, connection: Outbox) async {
        let isPing = if case .ping = incoming.message { true } else { false }
        heard(participantID, connection, isPing: isPing)
        let re = incoming.id
        switch incoming.message {
        case .publish(let message): await publish(message, re: re, participantID: participantID, connection: connection)
        case .unpublish(let message): await unpublish(message, re: re, participantID: participantID, connection: connection)
        case .subscribe(let message): await subscribe(message, re: re, participantID: participantID, connection: connection)
        case .unsubscribe(let message): await unsubscribe(message, re: re, participantID: participantID, connection: connection)
        case .pause(let message): await pause(message, re: re, participantID: participantID, connection: connection)
        case .iceRestart(let message): await restartICE(message, re: re, participantID: participantID, connection: connection)
        case .mute(let message): await mute(message, re: re, participantID: participantID, connection: connection)
        case .chat(let message): chat(message, re: re, participantID: participantID, connection: connection)
        case .quality(let report): quality(report, participantID: participantID, connection: connection)
        case .ping:
            guard currentIndex(participantID, connection) != nil else { return notJoined(re, connection) }
            connection.send(PongReply(re: re))
        case .hostMute(let message): await hostMute(message, re: re, participantID: participantID, connection: connection)
        case .hostRemove(let message): hostRemove(message, re: re, participantID: participantID, connection: connection)
        case .hostLock(let message): hostLock(message, re: re, participantID: participantID, connection: connection)
        case .hostEnd(let message): hostEnd(message, re: re, participantID: participantID, connection: connection)
        case .join:
            reply(error: SignalingError(.badMessage, "already joined; open a new socket to join again"), re: re, to: connection)
        case .leave:
            leave(participantID: participantID, connection: connection)
        }
    }

    func chat(_ message: ChatRequest, re: RequestID?, participantID: String, connection: Outbox) {
        guard let index = currentIndex(participantID, connection) else { return notJoined(re, connection) }
        let id = ControlIDs.chatMessage()
        connection.send(ChatSentReply(re: re, messageId: id))
        broadcast(ChatEvent(from: participantID, name: participants[index].name, text: message.text,
                            ts: clock.unixMillis, messageId: id))
    }

    /// A client's own measurements; combined with the media node's at the next poll, and now.
    func quality(_ report: QualityReport, participantID: String, connection: Outbox) {
        guard let index = currentIndex(participantID, connection) else { return }
        participants[index].lastReport = report
        participants[index].lastReportNanos = clock.nowNanos
        updateQuality(at: index, sessions: nil)
    }

    /// Client reports older than this no longer count.
    private var reportLifetimeNanos: UInt64 { UInt64(max(3 * configuration.qualityIntervalMillis, 15_000)) * 1_000_000 }

    /// Grades one participant and broadcasts a change. `sessions` nil: keep the media side as is.
    func updateQuality(at index: Int, sessions: [SessionStatsSample]?) {
        let participant = participants[index]
        let now = clock.nowNanos
        let report = participant.lastReportNanos.flatMap { now - min(now, $0) <= reportLifetimeNanos ? participant.lastReport : nil }
        if let sessions { lastSessionSamples[participant.id] = sessions }
        guard let grade = QualityGrader.combine(report: report, sessions: lastSessionSamples[participant.id] ?? []) else { return }
        guard grade != participant.quality else { return }
        participants[index].quality = grade
        broadcast(QualityEvent(participantId: participant.id, quality: grade))
    }

    /// Reads the media node's loss and RTT for every session in the room.
    func pollQuality() async {
        guard participants.contains(where: { !$0.publications.isEmpty || !$0.subscriptions.isEmpty }) else { return }
        // What the room held before asking: a publication made while we wait is in no answer.
        let publishedBefore = Set(participants.flatMap { $0.publications.map(\.id) })
        var stats: [SessionStats] = []
        var answered: Set<String> = []
        for node in nodesInUse {
            do {
                stats += try await api(forNode: node).sessionStats(room: name)
                answered.insert(node)
            } catch {
                logger.debug("no session stats", metadata: ["media_node": "\(node)", "error": "\(error)"])
            }
        }
        let bySession = Dictionary(stats.map { ($0.sessionId, $0) }, uniquingKeysWith: { first, _ in first })
        endPublicationsGone(from: answered, among: publishedBefore, present: Set(bySession.keys))
        for index in participants.indices where participants[index].isActive {
            let ids = participants[index].publications.map(\.id) + participants[index].subscriptions.map(\.id)
            let samples = ids.compactMap { bySession[$0] }.map {
                SessionStatsSample(connected: $0.connected, lossFraction: $0.lossFraction, roundTripMillis: $0.roundTripMillis)
            }
            updateQuality(at: index, sessions: samples)
        }
    }

    /// A publication that its node, asked just now, no longer holds has ended there: its
    /// publisher's connection failed, or a WHIP DELETE went to the node directly. Everyone else is
    /// told, as for an unpublish, and their subscriptions to it end.
    func endPublicationsGone(from nodes: Set<String>, among candidates: Set<String>, present: Set<String>) {
        for index in participants.indices where nodes.contains(participants[index].mediaNode) {
            let isGone = { (publication: SharedMedia) in candidates.contains(publication.id) && !present.contains(publication.id) }
            let gone = participants[index].publications.filter(isGone)
            guard !gone.isEmpty else { continue }
            let participantID = participants[index].id
            participants[index].publications.removeAll(where: isGone)
            for publication in gone {
                logger.info("publication ended on its media node", metadata: [
                    "participant": "\(participantID)", "publication": "\(publication.id)",
                ])
                run(endPublication(publication, of: participantID))
            }
        }
    }

    var hasAudioPublications: Bool {
        participants.contains { $0.publications.contains { $0.kinds.contains(.audio) } }
    }

    /// Active speakers from the audio-level header extension (RFC 6464), polled only while
    /// the room has audio; a broadcast only when the list changed meaningfully.
    func pollSpeakers() async {
        guard hasAudioPublications else {
            // The last audio ended: say once that nobody speaks.
            if let update = speakerDetector.update(levels: []) { broadcast(SpeakersEvent(speakers: update)) }
            return
        }
        // Each node reports the publications it holds, relayed ones included: take each level
        // from the node the publication originates on, where its publisher sends it.
        var reports: [AudioLevelReport] = []
        for node in nodesInUse {
            do {
                let levels = try await api(forNode: node).audioLevels(room: name)
                reports += levels.filter { ResourceID($0.resourceId)?.node == node || nodesInUse.count == 1 }
            } catch {
                logger.debug("no audio levels", metadata: ["media_node": "\(node)", "error": "\(error)"])
            }
        }
        var owners: [String: String] = [:]
        for participant in participants {
            for publication in participant.publications where !publication.muted.audio {
                owners[publication.id] = participant.id
            }
        }
        let levels = reports.compactMap { report in owners[report.resourceId].map { (participantID: $0, level: report.level) } }
        if let update = speakerDetector.update(levels: levels) {
            broadcast(SpeakersEvent(speakers: update))
        }
    }

    func reply(error: SignalingError, re: RequestID?, to connection: Outbox) {
        connection.send(ErrorReply(re: re, error: error))
    }

    func notJoined(_ re: RequestID?, _ connection: Outbox) {
        reply(error: SignalingError(.notJoined, "this connection is no longer part of the room"), re: re, to: connection)
    }
}
