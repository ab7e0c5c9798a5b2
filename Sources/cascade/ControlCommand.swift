import ArgumentParser
import Control
import Deployment
import Foundation
import HTTPGuard
import Hummingbird
import Logging
import MediaAPI
import MediaServer

/// `cascade control`: signaling, the meeting app and zone selection for a deployment's media
/// nodes — no media of its own.
struct ControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Run the control role of a deployment: signaling, web app, node selection (see docs/deploy.md).")

    @Option(help: "The deployment file (JSON, docs/deploy.md).")
    var config: String

    @Option(help: "Address to bind (default: the host of control.url in the file).")
    var bind: String?

    @Option(help: "HTTP port (default: the port of control.url in the file).")
    var httpPort: Int?

    @OptionGroup var http: HTTPLimitOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(help: "Meetings need a token minted with `cascade token`: no open join by link.")
    var requireToken = false

    @Option(help: "Participants per meeting room.")
    var maxParticipants: Int = 50

    @Option(help: "Meeting rooms.")
    var maxRooms: Int = 100

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        if let httpPort, !(1...65535).contains(httpPort) { throw ValidationError("--http-port must be 1–65535") }
    }

    func run() async throws {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        CascadeMetrics.bootstrap()
        let logger = Logger(label: "cascade")

        let deployment: DeploymentConfiguration
        do { deployment = try DeploymentConfiguration.load(path: config) } catch { throw ValidationError("\(config): \(error.description)") }
        let keys = try await SharedSecrets.keyService(role: "cascade control")
        let host = bind ?? deployment.control.url.host
        let port = httpPort ?? deployment.control.url.port

        let uplinks = MediaUplinks(keys: keys, allowedNodes: Set(deployment.nodes.filter { !$0.reachable }.map(\.id)),
                                   logger: logger)
        let nodes = DeploymentMediaNodes(deployment: deployment, keys: keys, uplinks: uplinks, logger: logger)
        var controlConfiguration = ControlConfiguration()
        controlConfiguration.requireToken = requireToken
        controlConfiguration.httpLimits = http.limits
        controlConfiguration.maxParticipants = maxParticipants
        controlConfiguration.maxRooms = maxRooms
        let control = ControlPlane(configuration: controlConfiguration, nodes: nodes, keys: keys, logger: logger)
        await nodes.start { node in await control.mediaNodeFailed(node) }
        // Adding (or removing) a media node is an edit of the deployment file.
        let watcher = Task { [config] in
            await DeploymentFileWatcher(path: config).run(current: deployment, changed: { updated in
                for removed in await nodes.update(updated) { await control.mediaNodeFailed(removed) }
            }, rejected: { error in
                logger.error("deployment file change refused; keeping the running configuration", metadata: ["error": "\(error)"])
            })
        }
        defer { watcher.cancel() }

        let router = Self.router(control: control, nodes: nodes)
        let app = Application(
            router: router,
            server: control.httpServer(limits: http.limits, other: { request in await uplinks.upgrade(request) }),
            configuration: .init(address: .hostname(host, port: port), serverName: "cascade-control"),
            onServerRunning: { _ in
                logger.info("control running", metadata: [
                    "url": "http://\(host):\(port)/", "media_nodes": "\(deployment.nodes.map(\.id))",
                ])
            },
            logger: logger)
        try await app.runService()
        await nodes.stop()
        await uplinks.shutdown()
    }

    /// Every HTTP route of `cascade control` (AuthorizationTable names each).
    static func router(control: ControlPlane, nodes: DeploymentMediaNodes) -> Router<ClientRequestContext> {
        let router = Router(context: ClientRequestContext.self)
        control.register(on: router)
        control.registerNodeSelection(on: router, nodes: nodes)
        router.get("/healthz") { _, _ in "ok" }
        return router
    }
}
