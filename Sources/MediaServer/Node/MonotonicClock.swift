import Foundation
import NIOCore

/// The two clocks the media path uses: monotonic for timers and intervals, wall clock only for
/// the NTP timestamps of sender reports (RFC 3550 §6.4.1).
enum MonotonicClock {
    static var nowNanos: UInt64 { NIODeadline.now().uptimeNanoseconds }

    static var wallClockUnixNanos: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
