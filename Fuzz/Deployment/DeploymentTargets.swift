import FuzzSupport

/// `deployment`: a deployment file (JSON) as `cascade control` and every node read it at start
/// and on each change. What validates must answer every question placement asks of it: each
/// node's zone exists, and placement picks only a healthy node of the deployment.
public let deploymentTargets = [FuzzTarget("deployment", fuzzDeployment)]

private func fuzzDeployment(_ data: UnsafeRawBufferPointer) {
    guard let configuration = try? DeploymentConfiguration.parse(Array(data)) else { return }
    let ids = configuration.nodes.map(\.id)
    for node in configuration.nodes {
        require(configuration.node(id: node.id) == node, "node \(node.id) not found by its id")
        require(configuration.zone(named: node.zone) != nil, "node \(node.id) in unknown zone \(node.zone)")
        for other in ids { _ = configuration.mayLink(node.id, other) }
    }
    let selector = ZoneSelector(configuration)
    let healthy = Set(ids.prefix(ids.count / 2 + 1))
    for address in ["203.0.113.7", "10.1.2.3", "2001:db8::1", "::ffff:192.0.2.1", "not an address"] {
        _ = selector.zone(forClientAddress: address)
        if let node = selector.placement(room: "fuzz-room", clientAddress: address, healthy: healthy) {
            require(healthy.contains(node.id), "placement picked unhealthy node \(node.id)")
        }
    }
}
