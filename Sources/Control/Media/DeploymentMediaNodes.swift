import AsyncHTTPClient
import Auth
import Deployment
import Foundation
import Logging
import MediaAPI
import NIOCore

/// The media nodes of a deployment file, for `cascade control`: placement by zone (the client's
/// address against the zones' CIDRs, then fallbacks) among healthy nodes, rendezvous-hashed by
/// room so one room's participants in a zone share a node; health from probes; and each node's
/// API — over HTTP for reachable nodes, over the node's own uplink for the others.
public actor DeploymentMediaNodes: MediaNodes {
    public private(set) var deployment: DeploymentConfiguration
    private var selector: ZoneSelector
    nonisolated let uplinks: MediaUplinks
    nonisolated let keys: KeyService
    let logger: Logger
    private var health: HealthTable
    private var http: [String: HTTPMediaAPI] = [:]
    private var monitor: Task<Void, Never>?

    /// How often nodes are probed: a dead node is noticed within about two intervals plus the
    /// probe timeout (NodeHealth: two failures in a row).
    static let probeInterval = Duration.milliseconds(500)
    static let probeTimeout = TimeAmount.milliseconds(800)

    public init(deployment: DeploymentConfiguration, keys: KeyService, uplinks: MediaUplinks, logger: Logger) {
        self.deployment = deployment
        self.selector = ZoneSelector(deployment)
        self.uplinks = uplinks
        self.keys = keys
        self.logger = logger
        self.health = HealthTable(configuration: deployment)
        self.http = Self.httpAPIs(deployment, keys: keys)
    }

    private static func httpAPIs(_ deployment: DeploymentConfiguration, keys: KeyService) -> [String: HTTPMediaAPI] {
        var apis: [String: HTTPMediaAPI] = [:]
        for node in deployment.nodes where node.reachable {
            guard let url = node.url?.description else { continue }
            apis[node.id] = HTTPMediaAPI(baseURL: url) { [keys] in
                try await keys.sign(.service(apiKey: keys.apiKey, identity: "control", expiresAt: Date().addingTimeInterval(300)))
            }
        }
        return apis
    }

    /// The deployment file changed: new nodes take participants once their probes succeed;
    /// removed nodes take no more, and their participants move as if the node had failed.
    /// Returns the removed nodes that were serving.
    public func update(_ deployment: DeploymentConfiguration) async -> [String] {
        let removed = Set(self.deployment.nodes.map(\.id)).subtracting(deployment.nodes.map(\.id))
        let now = DispatchTime.now().uptimeNanoseconds
        let wereHealthy = removed.filter { health[$0]?.isHealthy(nowNanos: now) ?? false }
        self.deployment = deployment
        selector = ZoneSelector(deployment)
        health.keepOnly(deployment.nodes.map(\.id))
        http = Self.httpAPIs(deployment, keys: keys)
        await uplinks.setAllowedNodes(Set(deployment.nodes.filter { !$0.reachable }.map(\.id)))
        logger.notice("deployment updated", metadata: [
            "media_nodes": "\(deployment.nodes.map(\.id))", "removed": "\(removed.sorted())",
        ])
        return wereHealthy.sorted()
    }

    /// Probes every node until `stop()`; calls `nodeFailed` when a healthy node stops answering.
    public func start(nodeFailed: @escaping @Sendable (String) async -> Void) {
        guard monitor == nil else { return }
        monitor = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                for failed in await self.probeAll() { await nodeFailed(failed) }
                try? await Task.sleep(for: Self.probeInterval)
            }
        }
    }

    public func stop() {
        monitor?.cancel()
        monitor = nil
    }

    /// One round of probes; returns the nodes that just went from healthy to unhealthy.
    private func probeAll() async -> [String] {
        let connected = await uplinks.connectedNodes()
        let nodes = deployment.nodes
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for node in nodes {
                group.addTask {
                    if !node.reachable { return (node.id, connected.contains(node.id)) }
                    guard let url = node.url?.description else { return (node.id, false) }
                    return (node.id, await Self.probe(url))
                }
            }
            var results: [(String, Bool)] = []
            for await result in group { results.append(result) }
            return results
        }
        let now = DispatchTime.now().uptimeNanoseconds
        var failed: [String] = []
        for (node, ok) in results where deployment.node(id: node) != nil {
            let wasHealthy = health[node]?.isHealthy ?? false
            let transition = ok ? health.recordSuccess(nodeID: node, nowNanos: now) : health.recordFailure(nodeID: node, nowNanos: now)
            switch transition {
            case .becameHealthy?:
                logger.info("media node healthy", metadata: ["media_node": "\(node)"])
            case .becameUnhealthy?:
                logger.warning("media node unhealthy", metadata: ["media_node": "\(node)"])
                if wasHealthy { failed.append(node) }
            case nil:
                break
            }
        }
        return failed
    }

    private static func probe(_ baseURL: String) async -> Bool {
        do {
            let request = HTTPClientRequest(url: baseURL + "/healthz")
            let response = try await HTTPClient.shared.execute(request, timeout: probeTimeout)
            return response.status == .ok
        } catch {
            return false
        }
    }

    // MARK: - MediaNodes

    public func place(room: String, clientAddress: String?, avoiding: Set<String>) async -> String? {
        candidates(room: room, clientAddress: clientAddress, avoiding: avoiding).first?.id
    }

    public func api(forNode node: String) async -> (any MediaAPI)? {
        if let api = http[node] { return api }
        return await uplinks.api(forNode: node)
    }

    /// Healthy nodes for a client, best first (its zone, then the zone's fallbacks, then any).
    public func candidates(room: String, clientAddress: String?, avoiding: Set<String> = []) -> [NodeEntry] {
        let healthy = health.healthyNodeIDs(nowNanos: DispatchTime.now().uptimeNanoseconds).subtracting(avoiding)
        let zone = clientAddress.flatMap { selector.zone(forClientAddress: $0) }
        return selector.candidates(room: room, zone: zone, healthy: healthy)
    }

    public func zone(forClientAddress address: String?) -> String? {
        address.flatMap { selector.zone(forClientAddress: $0) }
    }
}
