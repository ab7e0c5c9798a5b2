import Auth
import Foundation
import Logging
import MediaAPI
import XCTest
@testable import Control

/// The control plane in-process: a fake media node, a hand-moved clock, no sockets, no timers.
final class TestServer: Sendable {
    static let apiKey = "testkey"
    static let apiSecret = "0123456789abcdef0123456789abcdef-test-secret"

    let media: FakeMediaAPI
    let clock = ManualClock()
    let keys: KeyService
    let control: ControlPlane

    var service: SignalingService { control.service }

    convenience init(_ configure: (inout ControlConfiguration) -> Void = { _ in }) async throws {
        let media = FakeMediaAPI()
        try await self.init(nodes: SingleMediaNode(media), media: media, configure)
    }

    /// Several media nodes (`FakeMediaNodes`); `media` is the first of them.
    init(nodes: any MediaNodes, media: FakeMediaAPI, _ configure: (inout ControlConfiguration) -> Void = { _ in }) async throws {
        self.media = media
        var configuration = ControlConfiguration()
        configure(&configuration)
        keys = try await KeyService(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        var logger = Logger(label: "control-tests")
        logger.logLevel = .critical
        control = ControlPlane(configuration: configuration, nodes: nodes, keys: keys, logger: logger,
                               clock: clock, runsTimers: false, assets: MeetingAssets.bundled())
    }

    func token(room: String = "standup", identity: String = "user-\(UUID().uuidString.prefix(6))",
               grants: Grants = Grants(publish: true, subscribe: true), name: String? = nil,
               expiresIn: TimeInterval = 3600) async throws -> String {
        try await keys.sign(AccessToken(apiKey: Self.apiKey, identity: identity, room: room, grants: grants,
                                        expiresAt: Date().addingTimeInterval(expiresIn), name: name))
    }

    func connect(from clientAddress: String? = nil) -> TestClient {
        TestClient(session: service.makeSession(clientAddress: clientAddress))
    }

    func room(_ name: String = "standup") -> Meeting? { service.registry.room(named: name) }

    /// A client that has joined `room`; returns it with its `joined` reply.
    func joined(room: String = "standup", name: String = "Ada", identity: String? = nil,
                grants: Grants = Grants(publish: true, subscribe: true), from clientAddress: String? = nil) async throws -> TestClient {
        let client = connect(from: clientAddress)
        let token = try await token(room: room, identity: identity ?? "id-\(name.lowercased())", grants: grants)
        await client.send(["type": "join", "id": 1, "protocol": 1, "token": token, "name": name])
        let replies = client.received()
        guard let joined = replies.first(where: { $0.type == "joined" }) else {
            XCTFail("no joined reply: \(replies)")
            throw CancellationError()
        }
        client.joined = joined
        return client
    }
}

/// One message the server sent (a decoded text frame, or a close).
struct Sent: CustomStringConvertible {
    var object: [String: Any]
    var closeCode: UInt16?

    var type: String? { closeCode == nil ? object["type"] as? String : "<close>" }
    subscript(key: String) -> Any? { object[key] }
    func string(_ key: String) -> String? { object[key] as? String }
    var description: String { closeCode.map { "close(\($0))" } ?? "\(object)" }
}

/// A participant's socket without the socket: frames go straight into its session and replies
/// are read from its outbox.
final class TestClient: @unchecked Sendable {
    let session: SignalingSession
    var joined: Sent?
    private var pending: [Sent] = []

    init(session: SignalingSession) {
        self.session = session
    }

    var outbox: Outbox { session.outbox }
    var participantID: String { joined?.string("participantId") ?? "" }

    func send(text: String) async {
        await session.receive(.text(text))
    }

    func send(_ object: [String: Any]) async {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        await send(text: String(decoding: data, as: UTF8.self))
    }

    /// Everything sent to this client since the last call.
    func received() -> [Sent] {
        let items = pending + outbox.drain().map { item -> Sent in
            switch item {
            case .text(let text):
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? ["unparsable": text]
                return Sent(object: object)
            case .close(let code, _):
                return Sent(object: [:], closeCode: code)
            }
        }
        pending = []
        return items
    }

    /// Sends a request and returns the messages that came back (replies and events); anything
    /// received before is discarded.
    func request(_ object: [String: Any]) async -> [Sent] {
        _ = received()
        await send(object)
        return received()
    }

    /// The first received message of `type`, consuming everything received.
    func first(_ type: String) -> Sent? {
        received().first { $0.type == type }
    }

    /// The socket dropped (no `leave`).
    func drop() async {
        await session.transportClosed()
    }
}

extension Sent {
    var closed: Bool { closeCode != nil }
}

/// A minimal SDP offer with the given media sections.
func offer(_ kinds: String...) -> String {
    (["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0"] + kinds.map { "m=\($0) 9 UDP/TLS/RTP/SAVPF 96" })
        .joined(separator: "\r\n") + "\r\n"
}
