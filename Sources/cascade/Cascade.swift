import ArgumentParser

@main
struct Cascade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cascade",
        abstract: "Cascade: a self-hosted, cascading WebRTC media server and meeting platform.",
        subcommands: [Serve.self, Media.self, ControlCommand.self, Token.self, Bench.self],
        defaultSubcommand: nil)
}
