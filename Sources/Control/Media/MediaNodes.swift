import MediaAPI

/// The media nodes signaling may use, and which one serves a participant.
///
/// `cascade serve` has one node in the same process (`SingleMediaNode`); `cascade control` has
/// the nodes of a deployment file, placed by zone and health (`DeploymentMediaNodes`). Rooms
/// never talk to media except through the API of a participant's node, or of the node a
/// resource id names (its origin).
public protocol MediaNodes: Sendable {
    /// The node for a participant of `room` connecting from `clientAddress` (nil when unknown),
    /// excluding nodes in `avoiding`; nil when no node can take it.
    func place(room: String, clientAddress: String?, avoiding: Set<String>) async -> String?
    /// The API of `node`, or nil when that node is gone or unknown.
    func api(forNode node: String) async -> (any MediaAPI)?
}

/// One media node, in process: every participant uses it, whatever the node id in a resource.
public struct SingleMediaNode: MediaNodes {
    public static let nodeID = "local"
    let media: any MediaAPI

    public init(_ media: any MediaAPI) {
        self.media = media
    }

    public func place(room: String, clientAddress: String?, avoiding: Set<String>) async -> String? {
        avoiding.contains(Self.nodeID) ? nil : Self.nodeID
    }

    public func api(forNode node: String) async -> (any MediaAPI)? { media }
}
