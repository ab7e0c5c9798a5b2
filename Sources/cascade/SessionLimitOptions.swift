import ArgumentParser
import MediaServer

/// How many WHIP/WHEP sessions a media node holds (docs/security.md, "Limits").
struct SessionLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-sessions"), help: "Sessions on this media node; beyond, 503 with Retry-After.")
    var perNode = SessionLimits().perNode

    @Option(name: .customLong("max-sessions-per-identity"),
            help: "Sessions one token identity may hold on this node; beyond, 429 with Retry-After.")
    var perIdentity = SessionLimits().perIdentity

    @Option(name: .customLong("max-sessions-per-address"),
            help: "Sessions direct WHIP/WHEP clients of one address may hold; beyond, 429 with Retry-After.")
    var perAddress = SessionLimits().perAddress

    var limits: SessionLimits {
        SessionLimits(perIdentity: perIdentity, perAddress: perAddress, perNode: perNode)
    }

    func validate() throws {
        guard perNode > 0, perIdentity > 0, perAddress > 0 else {
            throw ValidationError("--max-sessions, --max-sessions-per-identity and --max-sessions-per-address must be positive")
        }
    }
}
