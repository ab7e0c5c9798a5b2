import Auth
import Logging
import MediaAPI
import Metrics

/// The signaling core shared by every socket: configuration, token verification, the rooms.
/// Transport-free, so tests drive it with in-memory sessions (`makeSession`).
final class SignalingService: Sendable {
    static let protocolVersion = 1

    let configuration: ControlConfiguration
    let keys: KeyService
    let registry: MeetingRegistry
    let clock: any ControlClock
    let logger: Logger
    let messagesCounter = Counter(label: "cascade_signaling_messages_total")
    let connectionsGauge = Gauge(label: "cascade_signaling_connections")

    init(configuration: ControlConfiguration, nodes: any MediaNodes, keys: KeyService, clock: any ControlClock,
         logger: Logger, runsTimers: Bool) {
        self.configuration = configuration
        self.keys = keys
        self.clock = clock
        self.logger = logger
        self.registry = MeetingRegistry(nodes: nodes, configuration: configuration, clock: clock, logger: logger, runsTimers: runsTimers)
    }

    func errorCounter(_ code: SignalingErrorCode) -> Counter {
        Counter(label: "cascade_signaling_errors_total", dimensions: [("code", code.rawValue)])
    }

    /// A session for a new socket, with its outbox.
    func makeSession(clientAddress: String? = nil) -> SignalingSession {
        SignalingSession(service: self, outbox: Outbox(capacity: configuration.outboundQueueLimit), clientAddress: clientAddress)
    }

    /// Meeting names: 1–64 letters, digits, '-' or '_' (the same rule as the media node's).
    static func isValidRoomName(_ room: String) -> Bool {
        !room.isEmpty && room.count <= 64
            && room.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
