import MediaAPI

/// A media node for uplink tests: records every call, answers with canned values or throws
/// `failure`, and can hold `publish` calls until the test releases them (a slow node).
actor FakeMediaAPI: MediaAPI {
    enum Call: Equatable, Sendable {
        case publish(room: String, identity: String, offerSDP: String)
        case unpublish(room: String, resourceID: ResourceID)
        case subscribe(room: String, identity: String, resourceID: ResourceID, offerSDP: String)
        case unsubscribe(room: String, sessionID: String)
        case publications(room: String)
        case setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool)
        case setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool)
        case audioLevels(room: String)
        case sessionStats(room: String)
        case updateICE(ICEUpdateRequest)
    }

    static let publishAnswer = SessionAnswer(sessionID: "office-1.pub1", answerSDP: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=\"quoted\" ünïcode\r\n")
    static let subscribeAnswer = SessionAnswer(sessionID: "sub7", answerSDP: "v=0\r\ns=subscribe\r\n")
    static let publicationList = [
        PublicationInfo(resourceId: "office-1.pub1", identity: "ann", tracks: [
            .init(kind: "audio", codec: "opus", mid: "0"), .init(kind: "video", codec: "VP8", mid: "1"),
        ]),
        PublicationInfo(resourceId: "office-1.pub2", identity: "bob", tracks: []),
    ]
    static let levels = [AudioLevelReport(resourceId: "office-1.pub1", level: 0.25, voiceActivity: 0.75)]
    static let stats = [
        SessionStats(sessionId: "office-1.pub1", role: .publish, connected: true, lossFraction: 0.125, roundTripMillis: 12.5),
        SessionStats(sessionId: "sub7", role: .subscribe, connected: false, lossFraction: 0, roundTripMillis: nil),
    ]

    let name: String
    private(set) var calls: [Call] = []
    private var failure: MediaError?
    private var holdsPublish = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var heldWatchers: [CheckedContinuation<Void, Never>] = []

    init(name: String = "fake") {
        self.name = name
    }

    func fail(with error: MediaError?) { failure = error }

    func holdPublishes(_ hold: Bool) { holdsPublish = hold }

    /// Returns once a `publish` is being held.
    func waitUntilPublishHeld() async {
        guard held.isEmpty else { return }
        await withCheckedContinuation { heldWatchers.append($0) }
    }

    func releasePublishes() {
        holdsPublish = false
        for continuation in held { continuation.resume() }
        held.removeAll()
    }

    private func record(_ call: Call) throws(MediaError) {
        calls.append(call)
        if let failure { throw failure }
    }

    func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer {
        try record(.publish(room: request.room, identity: request.identity, offerSDP: request.offerSDP))
        if holdsPublish {
            await withCheckedContinuation { continuation in
                held.append(continuation)
                for watcher in heldWatchers { watcher.resume() }
                heldWatchers.removeAll()
            }
        }
        return name == "fake" ? Self.publishAnswer : SessionAnswer(sessionID: name, answerSDP: "")
    }

    func unpublish(room: String, resourceID: ResourceID) async throws(MediaError) {
        try record(.unpublish(room: room, resourceID: resourceID))
    }

    func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer {
        try record(.subscribe(room: request.room, identity: request.identity, resourceID: request.resourceID,
                              offerSDP: request.offerSDP))
        return Self.subscribeAnswer
    }

    func unsubscribe(room: String, sessionID: String) async throws(MediaError) {
        try record(.unsubscribe(room: room, sessionID: sessionID))
    }

    func publications(room: String) async throws(MediaError) -> [PublicationInfo] {
        try record(.publications(room: room))
        return Self.publicationList
    }

    func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError) {
        try record(.setPaused(room: room, sessionID: sessionID, kind: kind, paused: paused))
    }

    func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError) {
        try record(.setForwarding(room: room, resourceID: resourceID, kind: kind, enabled: enabled))
    }

    func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport] {
        try record(.audioLevels(room: room))
        return Self.levels
    }

    func sessionStats(room: String) async throws(MediaError) -> [SessionStats] {
        try record(.sessionStats(room: room))
        return Self.stats
    }

    static let iceAnswer = ICEUpdateAnswer(etag: "\"v2\"", fragment: "a=ice-ufrag:abcd\r\n", answerSDP: "v=0\r\n")

    func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer {
        try record(.updateICE(request))
        return Self.iceAnswer
    }
}
