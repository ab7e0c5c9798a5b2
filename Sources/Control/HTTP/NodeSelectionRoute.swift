import Deployment
import Foundation
import Hummingbird
import NIOCore

extension ControlPlane {
    /// `GET /v1/nodes/select?room=R` — "which media node should I use": the node this client
    /// (by its address, against the deployment's zones) is placed on for room R, like HTTPDNS.
    /// `address=` asks for another address (operators checking their zone rules).
    public func registerNodeSelection<Context: RemoteAddressRequestContext>(on router: Router<Context>,
                                                                             nodes: DeploymentMediaNodes) {
        router.get("/v1/nodes/select") { request, context -> Response in
            let room = request.uri.queryParameters.get("room") ?? ""
            guard SignalingService.isValidRoomName(room) else {
                throw ControlHTTPError(.badRequest, "bad_room", "give ?room=NAME (1–64 letters, digits, '-' or '_')")
            }
            let address = request.uri.queryParameters.get("address") ?? context.remoteAddress?.ipAddress
            let candidates = await nodes.candidates(room: room, clientAddress: address)
            guard let node = candidates.first else {
                throw ControlHTTPError(.serviceUnavailable, "media_unavailable", "no media node is healthy for this client right now")
            }
            let selection = NodeSelection(
                room: room, node: node.id, zone: node.zone, url: node.url?.description,
                clientAddress: address, clientZone: await nodes.zone(forClientAddress: address),
                alternatives: candidates.dropFirst().map(\.id))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(selection))))
        }
    }
}

/// The answer of `GET /v1/nodes/select`.
struct NodeSelection: Codable, Sendable {
    var room: String
    var node: String
    var zone: String
    var url: String?
    var clientAddress: String?
    var clientZone: String?
    /// Other healthy nodes for this client, in order: where it would go if `node` failed.
    var alternatives: [String]
}
