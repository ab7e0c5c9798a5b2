import ArgumentParser
import HTTPGuard

/// The HTTP time bounds every command that listens takes (docs/security.md, "Limits").
struct HTTPLimitOptions: ParsableArguments {
    @Option(name: .customLong("http-read-timeout"),
            help: "Seconds a new connection has to send its request head, and a request its body (then 408 and close).")
    var readTimeoutSeconds = HTTPLimits().readTimeoutSeconds

    @Option(name: .customLong("http-idle-timeout"),
            help: "Seconds a kept-alive connection may sit idle between requests.")
    var idleTimeoutSeconds = HTTPLimits().idleTimeoutSeconds

    var limits: HTTPLimits {
        HTTPLimits(readTimeoutSeconds: readTimeoutSeconds, idleTimeoutSeconds: idleTimeoutSeconds)
    }

    func validate() throws {
        guard readTimeoutSeconds > 0, idleTimeoutSeconds > 0 else {
            throw ValidationError("--http-read-timeout and --http-idle-timeout must be positive")
        }
    }
}
