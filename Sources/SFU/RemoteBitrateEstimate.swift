// A deliberately simple receive-side bandwidth estimate to send as REMB
// (draft-alvestrand-rmcat-remb-03) to publishers that do not do transport-cc — aiortc sets its
// VP8 encoder target from REMB and stays at 500 kbps without one (INTEROP-NOTES §6).
//
// AIMD on what we measure: while loss is low the estimate grows ~8 %/s, but never far beyond
// what actually arrives (1.5 × received + 10 kbps, as libwebrtc's AimdRateControl caps it), so an
// application-limited sender does not accumulate a fictitious budget; under heavy loss it drops
// to 0.85 × the received rate. Between the two loss thresholds it holds.

public struct RemoteBitrateEstimate {
    public struct Configuration: Sendable {
        public var minimumBps: UInt64 = 50_000
        public var maximumBps: UInt64 = 2_500_000
        /// Starting estimate (Chrome starts its own BWE at 300 kbps).
        public var initialBps: UInt64 = 300_000
        /// Relative growth per second while loss is below `increaseBelowLoss` (applied
        /// proportionally to the time since the previous update).
        public var increaseFractionPerSecond: Double = 0.08
        public var increaseBelowLoss: Double = 0.02
        public var decreaseAboveLoss: Double = 0.10
        public var decreaseFactor: Double = 0.85
        /// Send a REMB at least this often…
        public var reportIntervalNanos: UInt64 = 1_000_000_000
        /// …and at once when the estimate falls below this fraction of the last one sent.
        public var immediateReportDropRatio: Double = 0.97

        public init() {}
    }

    public var configuration: Configuration
    /// The current estimate in bits per second.
    public private(set) var estimateBps: UInt64
    public private(set) var lastReportedBps: UInt64?
    private var lastReportAt: UInt64 = 0
    private var lastUpdateAt: UInt64?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimateBps = min(max(configuration.initialBps, configuration.minimumBps), configuration.maximumBps)
    }

    /// Feed the measured received bitrate and loss fraction (0…1) of the publisher's streams,
    /// e.g. every time an RR is built. Returns a bitrate when a REMB should be sent now.
    public mutating func update(receivedBitrateBps: UInt64, lossFraction: Double, nowNanos: UInt64) -> UInt64? {
        let elapsedSeconds: Double
        if let last = lastUpdateAt, nowNanos > last {
            // Cap one step at 1 s so a long silence does not turn into a huge jump.
            elapsedSeconds = min(Double(nowNanos - last) / 1e9, 1)
        } else {
            elapsedSeconds = 0
        }
        lastUpdateAt = nowNanos

        var estimate = Double(estimateBps)
        let received = Double(receivedBitrateBps)
        if lossFraction > configuration.decreaseAboveLoss {
            estimate = min(estimate, configuration.decreaseFactor * received)
        } else if lossFraction < configuration.increaseBelowLoss {
            let grown = estimate * (1 + configuration.increaseFractionPerSecond * elapsedSeconds)
            let ceiling = max(estimate, 1.5 * received + 10_000)
            estimate = min(grown, ceiling)
        }
        let clamped = min(max(estimate, Double(configuration.minimumBps)), Double(configuration.maximumBps))
        estimateBps = UInt64(clamped.rounded())

        let due: Bool
        if let reported = lastReportedBps {
            due = nowNanos >= lastReportAt &+ configuration.reportIntervalNanos
                || Double(estimateBps) < Double(reported) * configuration.immediateReportDropRatio
        } else {
            due = true
        }
        guard due else { return nil }
        lastReportedBps = estimateBps
        lastReportAt = nowNanos
        return estimateBps
    }
}
