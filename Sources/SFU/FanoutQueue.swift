/// The publisher tracks of one worker that received packets in the current read burst and have
/// not fanned them out yet.
///
/// Why defer: a fan-out touches every subscriber's state — its rewriter, transport, SRTP stream
/// and cipher context — and with hundreds of subscribers that state does not fit in the core's
/// cache. Fanning out packet by packet walks all of it once per packet; a video frame arrives as
/// a burst of several packets, so fanning out the burst subscriber by subscriber walks it once
/// per burst and finds it in cache for the rest (docs/benchmarks.md). The packets wait in the
/// track's `PacketHistory` (where they are stored anyway) until the burst ends, which costs no
/// latency: the datagrams were only going to be sent when the burst ends.
///
/// The worker calls `run()` when a read burst ends and on every tick, before it flushes its
/// sends. Confined to the worker's loop, like the tracks.
public final class FanoutQueue {
    private var scheduled: [PublisherTrack] = []
    private var running: [PublisherTrack] = []

    public init() {}

    public var isEmpty: Bool { scheduled.isEmpty }

    /// Called by a track when its first pending packet arrives. A track that fanned out early
    /// (its pending cap) and then received more is on the list twice; the second turn finds
    /// nothing pending, which is cheaper than keeping a flag per track.
    func schedule(_ track: PublisherTrack) {
        scheduled.append(track)
    }

    /// Fans out every pending packet, track by track in the order the tracks first received one.
    public func run() {
        // Fanning out never schedules (it only sends), but swap anyway so `scheduled` can grow
        // safely while we iterate.
        while !scheduled.isEmpty {
            swap(&scheduled, &running)
            var index = 0  // not `for … in`: see PublisherTrack.forwardPending
            while index < running.count {
                running[index].forwardPending()
                index += 1
            }
            running.removeAll(keepingCapacity: true)
        }
    }
}
