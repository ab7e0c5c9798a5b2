import Auth
import Cascade
import Control
import Deployment
import Foundation
import HTTPGuard
import Hummingbird
import Logging
import MediaAPI
import MediaServer
import XCTest
@testable import cascade

/// Walks every route of the routers `cascade serve`, `cascade media` and `cascade control`
/// build and fails on one the authorization table does not name — and on a table row no router
/// serves, a signaling message type the table leaves out, or a row docs/security.md lacks.
final class AuthorizationTableTests: XCTestCase {
    private static let deployment = """
    {
      "version": 1,
      "control": {"url": "http://127.0.0.1:18080"},
      "zones": [{"name": "here", "cidrs": ["0.0.0.0/0"]}],
      "nodes": [
        {"id": "a", "zone": "here", "bind": "127.0.0.1", "advertise": ["127.0.0.1"], "httpPort": 18081,
         "mediaPort": 17882, "url": "http://127.0.0.1:18081", "linksTo": ["b"]},
        {"id": "b", "zone": "here", "reachable": false, "bind": "127.0.0.1", "advertise": ["127.0.0.1"],
         "httpPort": 18082, "mediaPort": 17892, "linksTo": ["a"]}
      ]
    }
    """

    private func names(_ router: Router<ClientRequestContext>) -> Set<String> {
        // Hummingbird prints a capture as `{name}`; the table uses the registering form `:name`.
        Set(router.routes.map { route in
            let path = "\(route.path)".split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
            }.joined(separator: "/")
            return "\(route.method) \(path.isEmpty ? "/" : path)"
        })
    }

    private func servedRoutes() async throws -> [String: Set<String>] {
        let logger = Logger(label: "test")
        let pair = KeyService.generateDevelopmentPair()
        let keys = try await KeyService(apiKey: pair.apiKey, apiSecret: pair.apiSecret)
        let node = try MediaNode(configuration: MediaNodeConfiguration(), logger: logger)
        let serveControl = ControlPlane(configuration: ControlConfiguration(), media: node, keys: keys, logger: logger)
        let deployment = try DeploymentConfiguration.parse(Array(Self.deployment.utf8))
        let links = CascadeLinks(node: node, keys: keys, plan: Media.plan(of: "a", in: deployment), logger: logger)
        let uplinks = MediaUplinks(keys: keys, allowedNodes: ["b"], logger: logger)
        let nodes = DeploymentMediaNodes(deployment: deployment, keys: keys, uplinks: uplinks, logger: logger)
        let control = ControlPlane(configuration: ControlConfiguration(), nodes: nodes, keys: keys, logger: logger)
        let routes = [
            "cascade serve": names(Serve.router(node: node, keys: keys, developmentTokens: true, turn: nil,
                                                  limits: HTTPLimits(), control: serveControl)),
            "cascade media": names(Media.router(node: node, keys: keys, links: links, limits: HTTPLimits())),
            "cascade control": names(ControlCommand.router(control: control, nodes: nodes)),
        ]
        await node.shutdown()
        return routes
    }

    func testEveryRouteOfEveryListenerIsInTheTable() async throws {
        let table = Set(AuthorizationTable.routes.map(\.name))
        XCTAssertEqual(table.count, AuthorizationTable.routes.count, "a route is in the table twice")
        var served = Set<String>()
        for (command, routes) in try await servedRoutes() {
            XCTAssertFalse(routes.isEmpty, command)
            for route in routes.subtracting(table).sorted() {
                XCTFail("\(command) serves \(route), which AuthorizationTable does not name: say who may call it")
            }
            served.formUnion(routes)
        }
        // The uplink is a WebSocket upgrade with no plain route; every other row must be served.
        for row in table.subtracting(served).subtracting(["GET \(UplinkWire.path)"]).sorted() {
            XCTFail("AuthorizationTable names \(row), which no command serves")
        }
        XCTAssertNotNil(AuthorizationTable.rule(method: "GET", path: LinkDialer.path))
        XCTAssertNotNil(AuthorizationTable.rule(method: "GET", path: UplinkWire.path))
    }

    func testEverySignalingMessageIsInTheTable() {
        let table = AuthorizationTable.messages.map(\.type)
        XCTAssertEqual(Set(table), Set(ClientMessageType.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(table).count, table.count, "a message is in the table twice")
    }

    func testTheSecurityPagePrintsEveryRow() throws {
        let page = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/security.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(text.contains(AuthorizationTable.markdown),
                      "docs/security.md must print AuthorizationTable.markdown under 'Who may call what':\n\(AuthorizationTable.markdown)")
    }
}
