import ArgumentParser
import Auth
import Cascade
import Deployment
import Foundation
import HTTPGuard
import Hummingbird
import Logging
import MediaAPI
import MediaServer

/// `cascade media`: one media node of a deployment, alone — WHIP/WHEP, the media API for the
/// control role, and cascade links to the other nodes the deployment file allows.
struct Media: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one media node of a deployment (see docs/deploy.md).")

    @Option(help: "The deployment file (JSON, docs/deploy.md).")
    var config: String

    @Option(help: "This node's id in the deployment file.")
    var node: String

    @Option(help: "Number of media workers (event loops); every node of a deployment must use the same number.")
    var workers: Int = 1

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var sessions: SessionLimitOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(help: "Do not offer ICE-TCP candidates (RFC 6544) on the media ports.")
    var noIceTcp = false

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1–64") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        CascadeMetrics.bootstrap()
        let logger = {
            var logger = Logger(label: "cascade")
            logger[metadataKey: "node"] = "\(node)"
            return logger
        }()

        let deployment: DeploymentConfiguration
        do { deployment = try DeploymentConfiguration.load(path: config) } catch { throw ValidationError("\(config): \(error.description)") }
        guard let entry = deployment.node(id: node) else {
            throw ValidationError("node '\(node)' is not in \(config); its nodes are \(deployment.nodes.map(\.id).joined(separator: ", "))")
        }
        let keys = try await SharedSecrets.keyService(role: "cascade media")

        var configuration = MediaNodeConfiguration()
        configuration.nodeID = entry.id
        configuration.bindHost = entry.bind
        configuration.httpPort = entry.httpPort
        configuration.mediaPort = entry.mediaPort
        configuration.advertisedHost = entry.advertise.first
        configuration.workers = workers
        configuration.iceTCP = !noIceTcp
        configuration.sessionLimits = sessions.limits
        let mediaNode = try MediaNode(configuration: configuration, logger: logger)
        try await mediaNode.start()

        let cascade = Self.plan(of: entry.id, in: deployment)
        let links = CascadeLinks(node: mediaNode, keys: keys, plan: cascade, logger: logger)
        await mediaNode.enableCascading(links)
        // Adding a node is an edit of the deployment file: peers are picked up while running.
        let watcher = Task { [config, node] in
            await DeploymentFileWatcher(path: config).run(current: deployment, changed: { updated in
                guard let own = updated.node(id: node) else {
                    return logger.warning("this node is no longer in the deployment file; it keeps running until stopped")
                }
                if own != entry {
                    logger.warning("this node's own entry changed in the deployment file; restart it to apply that")
                }
                await links.update(Self.plan(of: node, in: updated))
            }, rejected: { error in
                logger.error("deployment file change refused; keeping the running configuration", metadata: ["error": "\(error)"])
            })
        }
        defer { watcher.cancel() }

        // An unreachable node cannot be called by control: it opens an uplink to control itself
        // and answers media API calls over it (docs/uplink.md).
        let uplink: Task<Void, Never>? = entry.reachable ? nil : Task {
            await MediaUplinkClient.run(controlURL: deployment.control.url.description, nodeID: entry.id, keys: keys,
                                        api: mediaNode, logger: logger)
        }
        defer { uplink?.cancel() }

        let router = Self.router(node: mediaNode, keys: keys, links: links, limits: http.limits)
        let port = entry.httpPort
        let app = Application(
            router: router,
            server: links.httpServer(limits: http.limits),
            configuration: .init(address: .hostname(entry.bind, port: port), serverName: "cascade-media"),
            onServerRunning: { _ in
                logger.info("media node running", metadata: [
                    "zone": "\(entry.zone)", "reachable": "\(entry.reachable)", "http": "\(entry.bind):\(port)",
                    "media_port": "\(entry.mediaPort)", "peers": "\(cascade.peers.map(\.id))",
                    "via": "\(cascade.intermediaries)",
                ])
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await mediaNode.shutdown()
            throw error
        }
        await mediaNode.shutdown()
    }
}

extension Media {
    /// How `node` cascades in `deployment` (`RoutingPlan`: its peers and intermediaries).
    static func plan(of node: String, in deployment: DeploymentConfiguration) -> RoutingPlan {
        RoutingPlan(node: node,
                    nodes: deployment.nodes.map { CascadePeer(id: $0.id, url: $0.url?.description, reachable: $0.reachable) },
                    mayLink: deployment.mayLink)
    }

    /// Every HTTP route of `cascade media` (AuthorizationTable names each).
    static func router(node: MediaNode, keys: KeyService, links: CascadeLinks, limits: HTTPLimits) -> Router<ClientRequestContext> {
        let router = Router(context: ClientRequestContext.self)
        MediaHTTPRoutes(node: node, keys: keys, developmentTokens: false, limits: limits).register(on: router)
        links.register(on: router)
        return router
    }
}

/// The API key pair every process of a deployment shares (never in the deployment file).
enum SharedSecrets {
    static func keyService(role: String) async throws -> KeyService {
        let environment = ProcessInfo.processInfo.environment
        guard let key = environment["CASCADE_API_KEY"], let secret = environment["CASCADE_API_SECRET"] else {
            throw ValidationError("\(role) needs CASCADE_API_KEY and CASCADE_API_SECRET in its environment: every process of a deployment shares them")
        }
        do { return try await KeyService(apiKey: key, apiSecret: secret) } catch { throw ValidationError(error.description) }
    }
}
