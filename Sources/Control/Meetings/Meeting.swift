import Auth
import Foundation
import Logging
import MediaAPI

/// One meeting: its participants, hosts, lock, and the media each participant publishes and
/// receives. All room state lives in this actor; sockets reach it through thin sessions and
/// hear from it through their outboxes, which never block.
///
/// Media calls are awaited inside the actor's methods. The actor is free while they run (actor
/// reentrancy), so one slow media call never stalls the room; every method therefore checks
/// the state again after each `await`.
actor Meeting {
    nonisolated let name: String
    let nodes: any MediaNodes
    let configuration: ControlConfiguration
    let clock: any ControlClock
    var logger: Logger
    /// Told when the room has emptied or ended, so the registry forgets it.
    let onClosed: @Sendable (Meeting, _ ended: Bool) -> Void

    /// Participants in the order they joined.
    var participants: [Participant] = []
    var locked = false
    private(set) var ended = false
    /// A closed room accepts nobody; the registry replaces it with a new one.
    private(set) var closed = false
    private var hadParticipants = false

    var speakerDetector = SpeakerDetector()
    /// The media node's latest measurements per participant, for `quality`.
    var lastSessionSamples: [String: [SessionStatsSample]] = [:]
    var tickCount = 0
    private var ticker: Task<Void, Never>?
    /// Media teardown running in the background (awaited by `settle()` in tests and shutdown).
    private var cleanups: [Task<Void, Never>] = []

    init(name: String, nodes: any MediaNodes, configuration: ControlConfiguration, clock: any ControlClock,
         logger: Logger, onClosed: @escaping @Sendable (Meeting, Bool) -> Void) {
        self.name = name
        self.nodes = nodes
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "room"] = "\(name)"
        self.logger = logger
        self.onClosed = onClosed
    }

    // MARK: - Joining

    enum JoinResult: Sendable, Equatable {
        case joined(participantID: String, resumed: Bool)
        case refused(SignalingError)
        /// The room closed meanwhile; ask the registry for a new one.
        case roomClosed
    }

    struct JoinRequest: Sendable {
        var token: AccessToken
        var name: String?
        var resume: JoinMessage.Resume?
        var re: RequestID?
        var clientAddress: String?
    }

    func join(_ request: JoinRequest, connection: Outbox) async -> JoinResult {
        if ended { return .refused(SignalingError(.roomEnded, "the meeting '\(name)' has ended")) }
        if closed { return .roomClosed }

        if let resume = request.resume,
           let index = index(of: resume.participantId),
           participants[index].resumeToken == resume.resumeToken,
           participants[index].identity == request.token.identity {
            return resumeParticipant(at: index, request: request, connection: connection)
        }

        if locked {
            return refuse(SignalingError(.roomLocked, "a host locked the meeting '\(name)'"))
        }
        guard participants.count < configuration.maxParticipants else {
            return refuse(SignalingError(.roomFull, "the meeting '\(name)' has its maximum of \(configuration.maxParticipants) participants"))
        }

        guard let node = await nodes.place(room: name, clientAddress: request.clientAddress, avoiding: []) else {
            return refuse(SignalingError(.mediaUnavailable, "no media server is available for this meeting right now; try again shortly"))
        }
        // The room may have changed while placement ran.
        if ended { return .refused(SignalingError(.roomEnded, "the meeting '\(name)' has ended")) }
        if closed { return .roomClosed }
        if locked { return refuse(SignalingError(.roomLocked, "a host locked the meeting '\(name)'")) }
        guard participants.count < configuration.maxParticipants else {
            return refuse(SignalingError(.roomFull, "the meeting '\(name)' has its maximum of \(configuration.maxParticipants) participants"))
        }
        let displayName = Self.displayName(request)
        let participant = Participant(
            id: ControlIDs.participant(), identity: request.token.identity, name: displayName,
            grants: request.token.grants, isHost: !hadParticipants || request.token.grants.admin,
            resumeToken: ControlIDs.resumeToken(), mediaNode: node, clientAddress: request.clientAddress,
            connection: connection)
        hadParticipants = true
        participants.append(participant)
        connection.send(joinedReply(for: participant, re: request.re, resumed: false))
        broadcast(ParticipantJoinedEvent(participant: participant.summary()), except: participant.id)
        logger.info("participant joined", metadata: ["participant": "\(participant.id)", "identity": "\(participant.identity)",
                                                     "media_node": "\(node)"])
        return .joined(participantID: participant.id, resumed: false)
    }

    private func resumeParticipant(at index: Int, request: JoinRequest, connection: Outbox) -> JoinResult {
        let wasReconnecting = !participants[index].isReachable
        // The old socket may still look alive (the client noticed the drop first): retire it.
        participants[index].connection?.close(code: SignalingCloseCode.replaced, reason: "resumed on a new connection")
        participants[index].connection = connection
        participants[index].reconnectDeadlineNanos = nil
        participants[index].isSilent = false
        participants[index].lastHeardNanos = clock.nowNanos
        participants[index].resumeToken = ControlIDs.resumeToken()
        let participant = participants[index]
        connection.send(joinedReply(for: participant, re: request.re, resumed: true))
        if wasReconnecting {
            broadcast(ParticipantReconnectedEvent(participantId: participant.id), except: participant.id)
        }
        logger.info("participant resumed", metadata: ["participant": "\(participant.id)"])
        return .joined(participantID: participant.id, resumed: true)
    }

    private func refuse(_ error: SignalingError) -> JoinResult {
        if participants.isEmpty { close(ended: false) }
        return .refused(error)
    }

    private static func displayName(_ request: JoinRequest) -> String {
        let candidates = [request.name, request.token.name, request.token.identity]
        for candidate in candidates {
            let trimmed = candidate?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if !trimmed.isEmpty { return String(trimmed.prefix(MessageDecoder.maxNameCharacters)) }
        }
        return "Guest"
    }

    private func joinedReply(for participant: Participant, re: RequestID?, resumed: Bool) -> JoinedReply {
        let ice = configuration.turn?.iceServers(participantID: participant.id, nowUnixSeconds: clock.unixMillis / 1000) ?? []
        return JoinedReply(
            re: re, participantId: participant.id, resumeToken: participant.resumeToken, resumed: resumed,
            room: RoomSnapshot(name: name, locked: locked, hostIds: hostIDs,
                               participants: participants.filter { $0.id != participant.id }.map { $0.summary() }),
            you: participant.selfSummary(), iceServers: ice,
            limits: JoinLimits(maxMessageBytes: configuration.maxMessageBytes, maxParticipants: configuration.maxParticipants))
    }

    // MARK: - Leaving and reconnecting

    /// `leave`: gone for good. The session closes the socket.
    func leave(participantID: String, connection: Outbox) {
        guard let index = index(of: participantID), participants[index].connection === connection else { return }
        removeParticipant(at: index, reason: .left)
    }

    /// The socket closed without `leave`: keep the place for the grace period.
    func connectionClosed(participantID: String, connection: Outbox) {
        guard let index = index(of: participantID), participants[index].connection === connection else { return }
        let wasSilent = participants[index].isSilent
        participants[index].connection = nil
        participants[index].isSilent = false
        participants[index].reconnectDeadlineNanos = clock.nowNanos + UInt64(configuration.reconnectGraceSeconds * 1e9)
        // Others were already told when the socket fell silent.
        if !wasSilent { broadcast(ParticipantReconnectingEvent(participantId: participantID)) }
        logger.info("participant reconnecting", metadata: ["participant": "\(participantID)"])
    }

    /// Ends the places of participants whose grace period ran out.
    func expireReconnecting() {
        let now = clock.nowNanos
        while let index = participants.firstIndex(where: { ($0.reconnectDeadlineNanos ?? .max) <= now }) {
            logger.info("participant timed out", metadata: ["participant": "\(participants[index].id)"])
            removeParticipant(at: index, reason: .timeout)
        }
    }

    /// Removes a participant for good: tells the others, ends its media and others'
    /// subscriptions to it (`track.unpublished`), then `participant.left`.
    func removeParticipant(at index: Int, reason: LeaveReason) {
        let participant = participants.remove(at: index)
        lastSessionSamples[participant.id] = nil
        var cleanup = MediaCleanup()
        for publication in participant.publications {
            cleanup.merge(endPublication(publication, of: participant.id))
        }
        cleanup.subscriptions += participant.subscriptions.map(\.session)
        cleanup.publications += participant.publications.map(\.resourceID)
        broadcast(ParticipantLeftEvent(participantId: participant.id, reason: reason))
        run(cleanup)
        if participants.isEmpty { close(ended: false) } else if participant.isHost { ensureHost() }
    }

    /// Makes the longest-present participant a host when the last host has left for good.
    /// A host who is only reconnecting keeps the role (it may be back within the grace period).
    func ensureHost() {
        guard !participants.contains(where: \.isHost), let first = participants.indices.first else { return }
        participants[first].isHost = true
        broadcast(RoomHostsEvent(hostIds: hostIDs, promoted: participants[first].id))
        logger.info("host promoted", metadata: ["participant": "\(participants[first].id)"])
    }

    /// Forgets a publication in the room: drops every subscription to it and tells the others
    /// `track.unpublished`. Returns the media sessions to end.
    func endPublication(_ publication: SharedMedia, of participantID: String) -> MediaCleanup {
        var cleanup = MediaCleanup()
        for index in participants.indices {
            let ended = participants[index].subscriptions.filter { $0.publicationID == publication.id }
            guard !ended.isEmpty else { continue }
            cleanup.subscriptions += ended.map(\.session)
            participants[index].subscriptions.removeAll { $0.publicationID == publication.id }
        }
        broadcast(TrackUnpublishedEvent(participantId: participantID, publicationId: publication.id), except: participantID)
        return cleanup
    }

    // MARK: - Ending the room

    /// Closes every socket and ends all media (`host.end`).
    func end(reason: String, by hostID: String) {
        guard !ended else { return }
        broadcast(RoomEndedEvent(reason: reason, by: hostID))
        var cleanup = MediaCleanup()
        for participant in participants {
            participant.connection?.close(code: SignalingCloseCode.normal, reason: "the meeting has ended")
            cleanup.subscriptions += participant.subscriptions.map(\.session)
            cleanup.publications += participant.publications.map(\.resourceID)
        }
        participants.removeAll()
        run(cleanup)
        ended = true
        close(ended: true)
        logger.info("room ended", metadata: ["by": "\(hostID)"])
    }

    private func close(ended: Bool) {
        guard !closed else { return }
        closed = true
        ticker?.cancel()
        ticker = nil
        onClosed(self, ended)
    }

    /// Closes every socket (server shutdown).
    func shutdown() {
        for participant in participants {
            participant.connection?.close(code: 1001, reason: "the server is shutting down")
        }
        ticker?.cancel()
        ticker = nil
    }

    // MARK: - Timers

    /// Runs `tick()` every `speakerIntervalMillis` until the room closes.
    func startTicking() {
        guard ticker == nil, !closed else { return }
        let interval = Duration.milliseconds(max(10, configuration.speakerIntervalMillis))
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.tick()
            }
        }
    }

    /// Reconnection deadlines, active speakers, and every few ticks connection quality.
    func tick() async {
        guard !closed else { return }
        tickCount += 1
        expireReconnecting()
        markSilentParticipants()
        await pollSpeakers()
        let every = max(1, configuration.qualityIntervalMillis / max(1, configuration.speakerIntervalMillis))
        if tickCount % every == 0 { await pollQuality() }
    }

    // MARK: - Liveness

    /// A pinging client that has said nothing for this long has lost its network, even if its
    /// TCP connection has not noticed yet (a cut link sends no FIN): two missed 5 s pings.
    static let silenceNanos: UInt64 = 8_000_000_000

    /// Every message is a sign of life; a silent participant that speaks again is back.
    func heard(_ participantID: String, _ connection: Outbox, isPing: Bool) {
        guard let index = currentIndex(participantID, connection) else { return }
        participants[index].lastHeardNanos = clock.nowNanos
        if isPing { participants[index].sendsPings = true }
        if participants[index].isSilent {
            participants[index].isSilent = false
            broadcast(ParticipantReconnectedEvent(participantId: participantID), except: participantID)
            logger.info("participant reachable again", metadata: ["participant": "\(participantID)"])
        }
    }

    /// Shows pinging participants that fell silent as reconnecting, before their socket fails.
    func markSilentParticipants() {
        let now = clock.nowNanos
        for index in participants.indices {
            let participant = participants[index]
            guard participant.isActive, participant.sendsPings, !participant.isSilent,
                  now > participant.lastHeardNanos, now - participant.lastHeardNanos > Self.silenceNanos else { continue }
            participants[index].isSilent = true
            broadcast(ParticipantReconnectingEvent(participantId: participant.id), except: participant.id)
            logger.info("participant silent: shown as reconnecting", metadata: ["participant": "\(participant.id)"])
        }
    }

    // MARK: - Helpers

    var hostIDs: [String] { participants.filter(\.isHost).map(\.id) }

    func index(of participantID: String) -> Int? {
        participants.firstIndex { $0.id == participantID }
    }

    /// The participant behind `connection`, if that socket is still the participant's current one.
    func currentIndex(_ participantID: String, _ connection: Outbox) -> Int? {
        guard let index = index(of: participantID), participants[index].connection === connection else { return nil }
        return index
    }

    /// Encodes once and queues the text for every connected participant.
    func broadcast(_ message: some ServerMessage, except excluded: String? = nil) {
        let text = ServerMessageEncoder.encode(message)
        for participant in participants where participant.id != excluded {
            participant.connection?.send(text)
        }
    }

    /// Ends media sessions in the background: the room does not wait for the media node to
    /// tear down what nobody in the room refers to any more. Subscriptions first, then
    /// publications; "not found" means it is already gone.
    func run(_ cleanup: MediaCleanup) {
        guard !cleanup.isEmpty else { return }
        let nodes = nodes, room = name, logger = logger
        if cleanups.count > 64 { cleanups.removeFirst(cleanups.count - 64) }
        cleanups.append(Task {
            for session in cleanup.subscriptions {
                guard let media = await nodes.api(forNode: session.node) else { continue }
                do throws(MediaError) { try await media.unsubscribe(room: room, sessionID: session.id) } catch {
                    if case .notFound = error { continue }
                    logger.warning("could not end a subscription", metadata: ["session": "\(session.id)", "error": "\(error)"])
                }
            }
            for resource in cleanup.publications {
                // A resource id names its origin node: that is where the publication lives.
                guard let media = await nodes.api(forNode: resource.node) else { continue }
                do throws(MediaError) { try await media.unpublish(room: room, resourceID: resource) } catch {
                    if case .notFound = error { continue }
                    logger.warning("could not end a publication", metadata: ["resource": "\(resource)", "error": "\(error)"])
                }
            }
        })
    }

    /// Waits for background media teardown started so far.
    func settle() async {
        let running = cleanups
        cleanups.removeAll()
        for task in running { await task.value }
    }
}

/// Media sessions to end on the media node.
struct MediaCleanup: Sendable {
    var subscriptions: [MediaSessionRef] = []
    var publications: [ResourceID] = []

    var isEmpty: Bool { subscriptions.isEmpty && publications.isEmpty }

    mutating func merge(_ other: MediaCleanup) {
        subscriptions += other.subscriptions
        publications += other.publications
    }
}

/// A subscription session on a media node.
struct MediaSessionRef: Sendable, Equatable {
    var node: String
    var id: String
}

extension Playback {
    var session: MediaSessionRef { MediaSessionRef(node: node, id: id) }
}
