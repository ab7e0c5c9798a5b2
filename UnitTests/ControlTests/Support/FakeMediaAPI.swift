import MediaAPI
import Synchronization
@testable import Control

/// An in-memory media node: answers offers by mirroring their m-lines, records every call,
/// and fails on demand. Offers containing "BAD-SDP" or "NO-CODEC" fail like a real node would.
final class FakeMediaAPI: MediaAPI {
    /// The node id in the resource ids this fake hands out.
    let node: String

    init(node: String = "local") {
        self.node = node
    }

    enum Call: Equatable {
        case publish(identity: String)
        case unpublish(String)
        case subscribe(publication: String)
        case unsubscribe(String)
        case setPaused(String, TrackKind, Bool)
        case setForwarding(String, TrackKind, Bool)
        case audioLevels
        case sessionStats
        case updateICE(String, restart: Bool)
    }

    private struct State {
        var calls: [Call] = []
        var publications: Set<String> = []
        var subscriptions: Set<String> = []
        var levels: [AudioLevelReport] = []
        var stats: [SessionStats] = []
        var counter = 0
        var failNext: MediaError?
    }
    private let state = Mutex(State())

    var calls: [Call] { state.withLock { $0.calls } }
    var livePublications: Set<String> { state.withLock { $0.publications } }
    var liveSubscriptions: Set<String> { state.withLock { $0.subscriptions } }
    func setLevels(_ levels: [AudioLevelReport]) { state.withLock { $0.levels = levels } }
    func setStats(_ stats: [SessionStats]) { state.withLock { $0.stats = stats } }
    func failNextCall(with error: MediaError) { state.withLock { $0.failNext = error } }
    func clearCalls() { state.withLock { $0.calls.removeAll() } }

    private func record(_ call: Call) throws(MediaError) {
        let failure: MediaError? = state.withLock { state in
            state.calls.append(call)
            defer { state.failNext = nil }
            return state.failNext
        }
        if let failure { throw failure }
    }

    private func nextID() -> Int { state.withLock { $0.counter += 1; return $0.counter } }

    static func answer(for offer: String) -> String {
        let media = offer.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("m=") }
            .map { line in line.split(separator: " ").first.map { "\($0) 9 UDP/TLS/RTP/SAVPF 96" } ?? "" }
        return (["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"] + media).joined(separator: "\r\n") + "\r\n"
    }

    func publish(_ request: PublishRequest) async throws(MediaError) -> SessionAnswer {
        try record(.publish(identity: request.identity))
        if request.offerSDP.contains("BAD-SDP") { throw .malformedOffer("no v= line") }
        if request.offerSDP.contains("NO-CODEC") { throw .noCommonCodec("only H265 offered") }
        let id = "\(node).pub\(nextID())"
        state.withLock { _ = $0.publications.insert(id) }
        return SessionAnswer(sessionID: id, answerSDP: Self.answer(for: request.offerSDP))
    }

    func unpublish(room: String, resourceID: ResourceID) async throws(MediaError) {
        try record(.unpublish(resourceID.description))
        let removed = state.withLock { $0.publications.remove(resourceID.description) != nil }
        if !removed { throw .notFound(resourceID.description) }
    }

    func subscribe(_ request: SubscribeRequest) async throws(MediaError) -> SessionAnswer {
        try record(.subscribe(publication: request.resourceID.description))
        if request.offerSDP.contains("BAD-SDP") { throw .malformedOffer("no v= line") }
        // A resource of another node would be pulled over a cascade link: assume it exists.
        let known = request.resourceID.node != node || state.withLock { $0.publications.contains(request.resourceID.description) }
        guard known else { throw .notFound(request.resourceID.description) }
        let id = "\(node)-sub\(nextID())"
        state.withLock { _ = $0.subscriptions.insert(id) }
        return SessionAnswer(sessionID: id, answerSDP: Self.answer(for: request.offerSDP))
    }

    func unsubscribe(room: String, sessionID: String) async throws(MediaError) {
        try record(.unsubscribe(sessionID))
        let removed = state.withLock { $0.subscriptions.remove(sessionID) != nil }
        if !removed { throw .notFound(sessionID) }
    }

    func publications(room: String) async throws(MediaError) -> [PublicationInfo] {
        state.withLock { $0.publications.sorted().map { PublicationInfo(resourceId: $0, identity: "", tracks: []) } }
    }

    func setPaused(room: String, sessionID: String, kind: TrackKind, paused: Bool) async throws(MediaError) {
        try record(.setPaused(sessionID, kind, paused))
    }

    func setForwarding(room: String, resourceID: ResourceID, kind: TrackKind, enabled: Bool) async throws(MediaError) {
        try record(.setForwarding(resourceID.description, kind, enabled))
    }

    func audioLevels(room: String) async throws(MediaError) -> [AudioLevelReport] {
        try record(.audioLevels)
        return state.withLock { $0.levels }
    }

    /// Like a node, a line for every live session: the ones set with `setStats`, the others
    /// connected and loss-free.
    func sessionStats(room: String) async throws(MediaError) -> [SessionStats] {
        try record(.sessionStats)
        return state.withLock { state in
            let given = Set(state.stats.map(\.sessionId))
            let quiet = state.publications.subtracting(given).map {
                SessionStats(sessionId: $0, role: .publish, connected: true, lossFraction: 0, roundTripMillis: nil)
            } + state.subscriptions.subtracting(given).map {
                SessionStats(sessionId: $0, role: .subscribe, connected: true, lossFraction: 0, roundTripMillis: nil)
            }
            return state.stats + quiet.sorted { $0.sessionId < $1.sessionId }
        }
    }

    /// A publication ends on the node without signaling asking (its transport failed, or a
    /// WHIP DELETE came to the node directly).
    func endOnNode(publication id: String) { state.withLock { _ = $0.publications.remove(id) } }

    /// Answers a restart with the offer's own text marked as the new answer.
    func updateICE(_ request: ICEUpdateRequest) async throws(MediaError) -> ICEUpdateAnswer {
        try record(.updateICE(request.sessionID, restart: request.isRestart))
        return ICEUpdateAnswer(etag: "\"restarted\"", fragment: "a=ice-ufrag:fake", answerSDP: "answer-to:" + request.fragment)
    }
}

/// Time moved by hand.
final class ManualClock: ControlClock {
    private let state = Mutex((nanos: UInt64(1_000_000_000), unixMillis: Int64(1_763_900_000_000)))

    var nowNanos: UInt64 { state.withLock { $0.nanos } }
    var unixMillis: Int64 { state.withLock { $0.unixMillis } }

    func advance(seconds: Double) {
        state.withLock {
            $0.nanos += UInt64(seconds * 1e9)
            $0.unixMillis += Int64(seconds * 1000)
        }
    }
}
