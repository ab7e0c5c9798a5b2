/// The load generator's settings that every benchmark has (`FanoutOptions`, `CascadeOptions`),
/// so the command line fills them in one place.
public protocol LoadGeneratorSettings {
    var durationSeconds: Double { get set }
    var warmupSeconds: Double { get set }
    var videoBitrateBps: Int { get set }
    /// Event loops (threads) for the subscribers.
    var clientThreads: Int { get set }
    /// Subscribers decrypt one packet in this many (all are counted from the clear header).
    var decryptEvery: Int { get set }
}

extension FanoutOptions: LoadGeneratorSettings {}
extension CascadeOptions: LoadGeneratorSettings {}
