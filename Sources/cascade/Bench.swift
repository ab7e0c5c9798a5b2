import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test a media node with the project's own client stack.",
        subcommands: [])
}
