import Auth
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Logging
import MediaAPI
import Synchronization
import XCTest

/// Things that happen on another task, in order, for a test to wait on (with a bound, so a
/// broken test fails instead of hanging).
final class Events<Element: Sendable>: Sendable {
    private struct State {
        var buffered: [Element] = []
        var waiter: (generation: Int, continuation: CheckedContinuation<Element?, Never>)?
        var generation = 0
    }
    private let state = Mutex(State())

    func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.buffered.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    /// The next element, or nil when none came within `limit`.
    func next(within limit: Duration = .seconds(10)) async -> Element? {
        let generation = state.withLock { state -> Int in
            state.generation += 1
            return state.generation
        }
        let timer = Task {
            do {
                try await Task.sleep(for: limit)
                self.expire(generation)
            } catch {}
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Element?? in
                if !state.buffered.isEmpty { return .some(state.buffered.removeFirst()) }
                state.waiter = (generation, continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func expire(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            guard let waiter = state.waiter, waiter.generation == generation else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: nil)
    }
}

struct Change: Equatable, Sendable, CustomStringConvertible {
    var node: String
    var up: Bool
    var description: String { "\(node) \(up ? "up" : "down")" }
}

/// Control's side, live on 127.0.0.1 with a random port.
struct UplinkServer: Sendable {
    let port: Int
    let keys: KeyService
    let uplinks: MediaUplinks
    /// `MediaUplinks`' onChange events.
    let changes: Events<Change>
    /// Every upgrade request: true when it was accepted.
    let attempts: Events<Bool>

    var url: String { "http://127.0.0.1:\(port)" }

    /// A media node dialing this server with `MediaUplinkClient.run`.
    func startNode(_ nodeID: String = "office-1", api: any MediaAPI, keys: KeyService? = nil) -> Task<Void, Never> {
        let url = self.url
        let keys = keys ?? self.keys
        return Task {
            await MediaUplinkClient.run(controlURL: url, nodeID: nodeID, keys: keys, api: api, logger: quietLogger)
        }
    }

    /// Waits for the next change and checks it.
    func expectChange(_ expected: Change, file: StaticString = #filePath, line: UInt = #line) async {
        let change = await changes.next()
        XCTAssertEqual(change, expected, file: file, line: line)
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "uplink-test")
    logger.logLevel = .critical
    return logger
}()

let testSecret = "uplink-test-secret-0123456789abcdefghij"

func withUplinkServer(allowedNodes: Set<String> = ["office-1"], requestTimeout: Duration = .seconds(10),
                      _ body: @Sendable (UplinkServer) async throws -> Void) async throws {
    let keys = try await KeyService(apiKey: "testkey", apiSecret: testSecret)
    let changes = Events<Change>()
    let attempts = Events<Bool>()
    let uplinks = MediaUplinks(keys: keys, allowedNodes: allowedNodes, requestTimeout: requestTimeout,
                               logger: quietLogger) { node, up in changes.push(Change(node: node, up: up)) }
    let webSocket = WebSocketServerConfiguration(maxFrameSize: UplinkWire.maxMessageBytes,
                                                 autoPing: .enabled(timePeriod: .seconds(5)), closeTimeout: .seconds(1))
    let app = Application(
        router: Router(),
        server: .http1WebSocketUpgrade(configuration: .init(ws: webSocket)) { request, _, _ in
            guard let handler = await uplinks.upgrade(request) else {
                attempts.push(false)
                return .dontUpgrade
            }
            attempts.push(true)
            return .upgrade([:]) { inbound, outbound, _ in await handler(inbound, outbound) }
        },
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        logger: quietLogger)
    try await app.test(.live) { client in
        let port = try XCTUnwrap(client.port)
        let server = UplinkServer(port: port, keys: keys, uplinks: uplinks, changes: changes, attempts: attempts)
        try await body(server)
        await uplinks.shutdown()
    }
}
