import ArgumentParser
import Auth
import Foundation

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token (JWT, HS256) for a room.")

    @Option(help: "API key (or CASCADE_API_KEY).")
    var apiKey: String?

    @Option(help: "API secret, at least 32 bytes (or CASCADE_API_SECRET).")
    var apiSecret: String?

    @Option(help: "Room the token is for.")
    var room: String

    @Option(help: "Participant identity.")
    var identity: String

    @Option(help: "Display name.")
    var name: String?

    @Flag(help: "Grant publishing.")
    var publish = false

    @Flag(help: "Grant subscribing.")
    var subscribe = false

    @Flag(help: "Grant room administration.")
    var admin = false

    @Option(help: "Lifetime in seconds (may be negative, to mint an expired token for tests).")
    var ttl: Int = 3600

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let key = apiKey ?? environment["CASCADE_API_KEY"],
              let secret = apiSecret ?? environment["CASCADE_API_SECRET"] else {
            throw ValidationError("give --api-key and --api-secret (or CASCADE_API_KEY / CASCADE_API_SECRET)")
        }
        let keys: KeyService
        do { keys = try await KeyService(apiKey: key, apiSecret: secret) } catch { throw ValidationError(error.description) }
        let token = AccessToken(apiKey: key, identity: identity, room: room,
                                grants: Grants(publish: publish, subscribe: subscribe, admin: admin),
                                expiresAt: Date().addingTimeInterval(TimeInterval(ttl)), name: name)
        print(try await keys.sign(token))
    }
}
