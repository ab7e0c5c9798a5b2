import Auth
import HTTPTypes
import Logging
import MediaAPI

/// Decides whether a peer's `GET /v1/cascade/link` may become a link: the query names a node
/// this one may link with and a worker both run, and the bearer token is a node token signed
/// with the deployment's key pair. (Whether a crossed dial is refused is the coordinator's to
/// say: it knows its own dials.)
public struct LinkAcceptor: Sendable {
    public enum Admission: Sendable, Equatable {
        case admitted(peer: String, worker: Int)
        case refused(String)
    }

    let workers: Int
    let keys: KeyService

    public init(workers: Int, keys: KeyService) {
        self.workers = workers
        self.keys = keys
    }

    public func admit(_ request: HTTPRequest, plan: RoutingPlan) async -> Admission {
        guard let path = request.path, let query = WebSocketAddress.query(of: path, at: LinkDialer.path) else {
            return .refused("not a link request")
        }
        guard let peer = query["node"], plan.peer(peer) != nil else {
            return .refused("node '\(query["node"] ?? "")' is not a node this one may link with")
        }
        guard let worker = query["worker"].flatMap(Int.init), (0..<workers).contains(worker) else {
            return .refused("no worker '\(query["worker"] ?? "")' here")
        }
        guard query["workers"].flatMap(Int.init) == workers else {
            return .refused("node '\(peer)' runs \(query["workers"] ?? "?") workers, this one \(workers): every node of a deployment must run the same number")
        }
        do {
            let token = try await keys.verify(KeyService.bearerToken(fromAuthorization: request.headerFields[.authorization]))
            try token.authorizeService()
        } catch {
            return .refused("bad node token: \(error)")
        }
        return .admitted(peer: peer, worker: worker)
    }
}
