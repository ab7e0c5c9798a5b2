/// The health of every media node of a deployment, keyed by node id: what the control role
/// consults when placing participants (`ZoneSelector.placement(... healthy:)`).
public struct HealthTable: Sendable, Equatable {
    /// A node whose health flipped, as returned by `tick(nowNanos:)`.
    public struct Change: Sendable, Equatable {
        public var nodeID: String
        public var transition: NodeHealth.Transition

        public init(nodeID: String, transition: NodeHealth.Transition) {
            self.nodeID = nodeID
            self.transition = transition
        }
    }

    public private(set) var nodes: [String: NodeHealth]
    private let template: NodeHealth

    /// Starts every listed node in the unknown state.
    public init(nodeIDs: some Sequence<String>,
                failuresToDown: Int = NodeHealth.defaultFailuresToDown,
                staleAfterNanos: UInt64 = NodeHealth.defaultStaleAfterNanos) {
        let template = NodeHealth(failuresToDown: failuresToDown, staleAfterNanos: staleAfterNanos)
        self.template = template
        nodes = Dictionary(nodeIDs.map { ($0, template) }, uniquingKeysWith: { first, _ in first })
    }

    /// Starts every node of a deployment in the unknown state.
    public init(configuration: DeploymentConfiguration,
                failuresToDown: Int = NodeHealth.defaultFailuresToDown,
                staleAfterNanos: UInt64 = NodeHealth.defaultStaleAfterNanos) {
        self.init(nodeIDs: configuration.nodes.map(\.id), failuresToDown: failuresToDown,
                  staleAfterNanos: staleAfterNanos)
    }

    /// The deployment changed: nodes not in `nodeIDs` are forgotten, new ones start unknown,
    /// the others keep their state.
    public mutating func keepOnly(_ nodeIDs: some Sequence<String>) {
        let wanted = Set(nodeIDs)
        nodes = nodes.filter { wanted.contains($0.key) }
        for id in wanted where nodes[id] == nil { nodes[id] = template }
    }

    public subscript(nodeID: String) -> NodeHealth? {
        nodes[nodeID]
    }

    /// Records a successful probe; a node not yet in the table is added.
    public mutating func recordSuccess(nodeID: String, nowNanos: UInt64) -> NodeHealth.Transition? {
        nodes[nodeID, default: template].recordSuccess(nowNanos: nowNanos)
    }

    /// Records a failed probe; a node not yet in the table is added.
    public mutating func recordFailure(nodeID: String, nowNanos: UInt64) -> NodeHealth.Transition? {
        nodes[nodeID, default: template].recordFailure(nowNanos: nowNanos)
    }

    /// Applies the passage of time to every node; the flips, sorted by node id.
    public mutating func tick(nowNanos: UInt64) -> [Change] {
        var changes: [Change] = []
        for id in nodes.keys.sorted() {
            if let transition = nodes[id]?.tick(nowNanos: nowNanos) {
                changes.append(Change(nodeID: id, transition: transition))
            }
        }
        return changes
    }

    /// The nodes healthy at `nowNanos` (a stale success counts as down even before `tick`).
    public func healthyNodeIDs(nowNanos: UInt64) -> Set<String> {
        Set(nodes.filter { $0.value.isHealthy(nowNanos: nowNanos) }.keys)
    }
}
