import ArgumentParser
import Bench
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test media nodes with the project's own client stack (fan-out, cascade hop).",
        subcommands: [Fanout.self, CascadeHop.self])
}

extension Bench {
    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish synthetic VP8 + Opus and fan it out to many subscribers through `cascade serve --workers 1` (a child process).",
            discussion: """
            Each of --publishers publishers sends one video track (--video-bitrate, 30 fps, key frame every 2 s) \
            and one 50 packet/s audio track into one room, and each publication is watched by --subscribers \
            subscribers (publishers × subscribers WHEP sessions). Reports forwarded packets/s, server CPU per \
            million packets, forwarding delay p50/p99, loss and server memory per subscriber.
            """)

        @Option(help: "Subscribers per publisher.")
        var subscribers: Int = 10

        @Option(help: "Publishers in the room, each watched by --subscribers subscribers.")
        var publishers: Int = 1

        @OptionGroup var client: ClientOptions

        func validate() throws {
            guard subscribers >= 1, publishers >= 1 else { throw ValidationError("--subscribers and --publishers must be ≥ 1") }
        }

        func run() async throws {
            var options = FanoutOptions()
            options.subscribers = subscribers
            options.publishers = publishers
            client.configure(&options)
            let result = try await FanoutBenchmark.run(options, progress: client.progress)
            try Bench.printResult(result, json: client.json, text: result.textReport)
        }
    }

    struct CascadeHop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cascade",
            abstract: "Measure what one cascade hop costs: two `cascade media` nodes (child processes) of a generated deployment on 127.0.0.1.",
            discussion: """
            --streams publishers (one video track at --video-bitrate, 30 fps, and one 50 packet/s audio track \
            each) publish to node-a. Each publication is watched by one subscriber on node-a (direct) and \
            one on node-b, which pulls it from node-a over their CascadeLink (relayed). Reports the delay \
            p50/p99 of both paths and their difference (the hop's added latency), loss on both paths, and \
            the CPU of both nodes; node-b's cores / streams is the CPU cost of a relayed stream.
            """)

        @Option(help: "Publications on node-a, each watched directly on node-a and relayed on node-b.")
        var streams: Int = 10

        @OptionGroup var client: ClientOptions

        func validate() throws {
            guard streams >= 1 else { throw ValidationError("--streams must be ≥ 1") }
        }

        func run() async throws {
            var options = CascadeOptions()
            options.streams = streams
            client.configure(&options)
            let result = try await CascadeBenchmark.run(options, progress: client.progress)
            try Bench.printResult(result, json: client.json, text: result.textReport)
        }
    }

    /// The options both benchmarks' load generator shares.
    struct ClientOptions: ParsableArguments {
            @Option(help: "Measurement window in seconds.")
            var duration: Double = 10

            @Option(help: "Seconds to run after every session connected, before measuring.")
            var warmup: Double = 3

            @Option(help: "Video bitrate per publisher, bits/s.")
            var videoBitrate: Int = 1_500_000

            @Option(help: "Event-loop threads for the subscribers.")
            var clientThreads: Int = 1

            @Option(help: "Subscribers decrypt one packet in this many to read its send time; every packet is counted from its clear RTP header.")
            var decryptEvery: Int = 1

            @Flag(help: "Print the result as JSON.")
            var json = false

        func configure(_ options: inout some LoadGeneratorSettings) {
            options.durationSeconds = duration
            options.warmupSeconds = warmup
            options.videoBitrateBps = videoBitrate
            options.clientThreads = clientThreads
            options.decryptEvery = decryptEvery
        }

        /// Progress lines on stderr, unless `--json` wants stdout and stderr quiet.
        var progress: @Sendable (String) -> Void {
            let quiet = json
            return { message in
                if !quiet { FileHandle.standardError.write(Data("bench: \(message)\n".utf8)) }
            }
        }

        func validate() throws {
            guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0 and --warmup ≥ 0") }
            guard videoBitrate >= 8_000 else { throw ValidationError("--video-bitrate must be ≥ 8000") }
            guard (1...16).contains(clientThreads) else { throw ValidationError("--client-threads must be 1–16") }
            guard decryptEvery >= 1 else { throw ValidationError("--decrypt-every must be ≥ 1") }
        }
    }

    /// `--json`: the whole result, keys sorted; otherwise the summary.
    static func printResult(_ result: some Encodable, json: Bool, text: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(text)
        }
    }
}
