import Auth
import Logging
import MediaAPI
import Metrics
import Synchronization

/// Every room on this server, by name: creates rooms on first join (up to `maxRooms`), forgets
/// them when they empty, and remembers ended meetings for a while so that their names refuse
/// joins (`room_ended`).
///
/// A lock, not an actor: rooms report their closing synchronously, and no `await` ever happens
/// while it is held.
final class MeetingRegistry: Sendable {
    let nodes: any MediaNodes
    let configuration: ControlConfiguration
    let clock: any ControlClock
    let logger: Logger
    /// Off in tests, which drive `Meeting.tick()` by hand.
    let runsTimers: Bool

    private struct State {
        var rooms: [String: Meeting] = [:]
        var endedUntilNanos: [String: UInt64] = [:]
    }
    private let state = Mutex(State())
    private let roomsGauge = Gauge(label: "cascade_signaling_rooms")

    init(nodes: any MediaNodes, configuration: ControlConfiguration, clock: any ControlClock, logger: Logger, runsTimers: Bool) {
        self.nodes = nodes
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.runsTimers = runsTimers
    }

    enum JoinOutcome: Sendable {
        case joined(Meeting, participantID: String)
        case refused(SignalingError)
    }

    func join(_ request: Meeting.JoinRequest, connection: Outbox) async -> JoinOutcome {
        let name = request.token.room
        // A room that closed between lookup and join is replaced; twice is already unlikely.
        for _ in 0..<3 {
            let lookup = roomForJoin(named: name)
            let room: Meeting
            switch lookup {
            case .failure(let error): return .refused(error)
            case .success(let (found, created)):
                room = found
                if created && runsTimers { await room.startTicking() }
            }
            switch await room.join(request, connection: connection) {
            case .joined(let participantID, _):
                return .joined(room, participantID: participantID)
            case .refused(let error):
                return .refused(error)
            case .roomClosed:
                roomClosed(room, ended: false)
            }
        }
        return .refused(SignalingError(.internal, "the meeting '\(name)' kept closing while joining; try again"))
    }

    private func roomForJoin(named name: String) -> Result<(Meeting, created: Bool), SignalingError> {
        let now = clock.nowNanos
        let result: Result<(Meeting, created: Bool), SignalingError> = state.withLock { state in
            if let existing = state.rooms[name] { return .success((existing, false)) }
            state.endedUntilNanos = state.endedUntilNanos.filter { $0.value > now }
            if state.endedUntilNanos[name] != nil {
                return .failure(SignalingError(.roomEnded, "the meeting '\(name)' has ended"))
            }
            guard state.rooms.count < configuration.maxRooms else {
                return .failure(SignalingError(.tooManyRooms, "the server hosts its maximum of \(configuration.maxRooms) meetings"))
            }
            let room = Meeting(name: name, nodes: nodes, configuration: configuration, clock: clock, logger: logger,
                            onClosed: { [weak self] room, ended in self?.roomClosed(room, ended: ended) })
            state.rooms[name] = room
            return .success((room, true))
        }
        roomsGauge.record(roomCount)
        return result
    }

    func roomClosed(_ room: Meeting, ended: Bool) {
        let until = clock.nowNanos + UInt64(configuration.endedRoomRetentionSeconds * 1e9)
        state.withLock { state in
            if state.rooms[room.name] === room { state.rooms[room.name] = nil }
            if ended { state.endedUntilNanos[room.name] = until }
        }
        roomsGauge.record(roomCount)
    }

    func room(named name: String) -> Meeting? { state.withLock { $0.rooms[name] } }

    var roomCount: Int { state.withLock { $0.rooms.count } }

    /// A media node died: every room moves its participants off it.
    func mediaNodeFailed(_ node: String) async {
        let rooms = state.withLock { Array($0.rooms.values) }
        for room in rooms { await room.moveParticipants(offNode: node) }
    }

    /// Closes every socket (server shutdown).
    func shutdown() async {
        let rooms = state.withLock { Array($0.rooms.values) }
        for room in rooms { await room.shutdown() }
    }
}
