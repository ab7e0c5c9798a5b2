import ArgumentParser
import HTTPGuard

/// The HTTP time bounds every command that listens takes (docs/security.md, "Limits").
struct HTTPLimitOptions: ParsableArguments {
    @Option(name: .customLong("http-head-timeout"),
            help: "Seconds a new connection has to send its request head (then 408 and close).")
    var headTimeoutSeconds = HTTPLimits().headTimeoutSeconds

    @Option(name: .customLong("http-idle-timeout"),
            help: "Seconds a kept-alive connection may sit idle between requests.")
    var idleTimeoutSeconds = HTTPLimits().idleTimeoutSeconds

    var limits: HTTPLimits {
        HTTPLimits(headTimeoutSeconds: headTimeoutSeconds, idleTimeoutSeconds: idleTimeoutSeconds)
    }

    func validate() throws {
        guard headTimeoutSeconds > 0, idleTimeoutSeconds > 0 else {
            throw ValidationError("--http-head-timeout and --http-idle-timeout must be positive")
        }
    }
}
