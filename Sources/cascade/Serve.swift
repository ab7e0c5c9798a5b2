import ArgumentParser
import Auth
import Control
import Foundation
import HTTPGuard
import Hummingbird
import Logging
import MediaAPI
import MediaServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the all-in-one server: media node, WHIP/WHEP and the try-it page.")

    @Option(help: "Address to bind the HTTP and media sockets to.")
    var bind: String = "127.0.0.1"

    @Option(help: "HTTP port (WHIP, WHEP, API, web page).")
    var httpPort: Int = 8080

    @Option(help: "First UDP media port; one port per worker.")
    var mediaPort: Int = 7882

    @Option(help: "Address put in ICE candidates (default: the bind address).")
    var advertise: String?

    @Option(help: "Number of media workers (event loops), each with its own UDP port.")
    var workers: Int = 1

    @Option(help: "This node's id in resource ids ([a-z0-9-]).")
    var nodeId: String = "local"

    @Option(help: "API key (or CASCADE_API_KEY). Without key and secret a development pair is generated.")
    var apiKey: String?

    @Option(help: "API secret, at least 32 bytes (or CASCADE_API_SECRET).")
    var apiSecret: String?

    @Option(help: "Directory for data (created if missing).")
    var dataDir: String = "./data"

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var sessions: SessionLimitOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(help: "Do not offer ICE-TCP candidates (RFC 6544) on the media ports.")
    var noIceTcp = false

    @Flag(help: "Meetings need a token minted with `cascade token`: no open join by link.")
    var requireToken = false

    @Option(help: "Participants per meeting room.")
    var maxParticipants: Int = 50

    @Option(help: "Meeting rooms on this server.")
    var maxRooms: Int = 100

    @Option(name: .customLong("turn-url"), help: "TURN server URL handed to participants, e.g. turn:HOST:3478?transport=udp (repeatable).")
    var turnURLs: [String] = []

    @Option(help: "TURN REST shared secret (coturn static-auth-secret), or CASCADE_TURN_SECRET.")
    var turnSecret: String?

    func validate() throws {
        guard (1...65535).contains(httpPort) else { throw ValidationError("--http-port must be 1–65535") }
        guard (1...65535).contains(mediaPort), mediaPort + workers - 1 <= 65535 else {
            throw ValidationError("--media-port must leave room for one port per worker below 65536")
        }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1–64") }
        guard ResourceID.isValidNode(nodeId) else { throw ValidationError("--node-id must be [a-z0-9-], at most 63 characters") }
        if (bind == "0.0.0.0" || bind == "::") && advertise == nil {
            throw ValidationError("binding to \(bind) needs --advertise ADDR: the address clients can reach, put in ICE candidates")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard (1...10_000).contains(maxParticipants) else { throw ValidationError("--max-participants must be 1–10000") }
        guard (1...100_000).contains(maxRooms) else { throw ValidationError("--max-rooms must be 1–100000") }
        for url in turnURLs where !(url.hasPrefix("turn:") || url.hasPrefix("turns:") || url.hasPrefix("stun:")) {
            throw ValidationError("--turn-url '\(url)' must start with turn:, turns: or stun:")
        }
        if !turnURLs.isEmpty && (turnSecret ?? ProcessInfo.processInfo.environment["CASCADE_TURN_SECRET"] ?? "").isEmpty {
            throw ValidationError("--turn-url needs --turn-secret (or CASCADE_TURN_SECRET): the TURN REST shared secret")
        }
    }

    func run() async throws {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        CascadeMetrics.bootstrap()
        let logger = Logger(label: "cascade")

        let environment = ProcessInfo.processInfo.environment
        var key = apiKey ?? environment["CASCADE_API_KEY"]
        var secret = apiSecret ?? environment["CASCADE_API_SECRET"]
        let development = key == nil && secret == nil
        if development {
            let pair = KeyService.generateDevelopmentPair()
            (key, secret) = (pair.apiKey, pair.apiSecret)
            logger.warning(Self.isLoopback(bind)
                           ? "no API key configured: generated a development pair; anyone on this machine can get a token"
                           : "no API key configured: generated a development pair; /v1/dev/token is off on \(bind), mint tokens with `cascade token`",
                           metadata: ["api_key": "\(pair.apiKey)", "api_secret": "\(pair.apiSecret)"])
        }
        guard let key, let secret else { throw ValidationError("give both --api-key and --api-secret, or neither") }
        let keys: KeyService
        do { keys = try await KeyService(apiKey: key, apiSecret: secret) } catch { throw ValidationError(error.description) }

        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)

        var configuration = MediaNodeConfiguration()
        configuration.nodeID = nodeId
        configuration.bindHost = bind
        configuration.httpPort = httpPort
        configuration.mediaPort = mediaPort
        configuration.advertisedHost = advertise
        configuration.workers = workers
        configuration.iceTCP = !noIceTcp
        configuration.sessionLimits = sessions.limits
        let node = try MediaNode(configuration: configuration, logger: logger)
        try await node.start()

        var controlConfiguration = ControlConfiguration()
        controlConfiguration.requireToken = requireToken
        controlConfiguration.httpLimits = http.limits
        controlConfiguration.maxParticipants = maxParticipants
        controlConfiguration.maxRooms = maxRooms
        controlConfiguration.turnURLs = turnURLs
        controlConfiguration.turnSecret = turnSecret ?? environment["CASCADE_TURN_SECRET"]
        let control = ControlPlane(configuration: controlConfiguration, media: node, keys: keys, logger: logger)

        // `/v1/dev/token` hands out any identity: only where nobody else can reach it.
        let router = Self.router(node: node, keys: keys, developmentTokens: development && Self.isLoopback(bind),
                                 turn: controlConfiguration.turn, limits: http.limits, control: control)
        let host = bind
        let port = httpPort
        let shown = configuration.candidateHost
        // HTTP/1.1 plus the WebSocket upgrade of `GET /rtc` (signaling).
        let app = Application(
            router: router,
            server: control.httpServer(limits: http.limits),
            configuration: .init(address: .hostname(host, port: port), serverName: "cascade"),
            onServerRunning: { _ in
                logger.info("cascade is running", metadata: ["url": "http://\(shown):\(port)/"])
                print("Cascade is running: open http://\(shown):\(port)/")
                // Block-buffered when stdout is not a terminal (`make run > log`): say it now,
                // not when the server exits.
                fflush(nil)  // every C stream; naming `stdout` is not concurrency-safe in Swift 6
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await node.shutdown()
            throw error
        }
        await node.shutdown()
    }

    /// Every HTTP route of `cascade serve` (AuthorizationTable names each): the media node's
    /// and control's — the meeting app (`/`, `/r/{room}`, `/app/…`), `POST /v1/rooms/{room}/join`.
    static func router(node: MediaNode, keys: KeyService, developmentTokens: Bool, turn: TURNCredentials?,
                       limits: HTTPLimits, control: ControlPlane) -> Router<ClientRequestContext> {
        let router = Router(context: ClientRequestContext.self)
        MediaHTTPRoutes(node: node, keys: keys, developmentTokens: developmentTokens, turn: turn, limits: limits)
            .register(on: router)
        control.register(on: router)
        return router
    }

    /// 127.0.0.0/8, ::1 or localhost: an address only this machine reaches.
    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address.hasPrefix("127.")
    }
}
