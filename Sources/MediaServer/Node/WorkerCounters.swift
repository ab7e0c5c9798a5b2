import SFU

/// Plain per-worker counts, added to the Prometheus counters once per tick.
struct WorkerCounters {
    var received = 0
    var sent = 0
    var dropped = 0
    var sendDropped = 0
    var sendFailed = 0
    var forwarded = 0
    var nackReceived = 0
    var nackSent = 0
    var rtxSent = 0
    var rtxReceived = 0
    var pliSent = 0
    var transportsOpened = 0
    var transportsClosed = 0

    mutating func absorb(_ sfu: ForwardingCounters) {
        forwarded += sfu.forwardedPackets
        nackReceived += sfu.nackReceived
        nackSent += sfu.nackSent
        rtxSent += sfu.retransmissionsSent
        rtxReceived += sfu.retransmissionsReceived
        pliSent += sfu.keyframeRequestsSent
        sfu.reset()
    }

    mutating func flush() {
        if received > 0 { CascadeMetrics.udpReceived.increment(by: Int64(received)) }
        if sent > 0 { CascadeMetrics.udpSent.increment(by: Int64(sent)) }
        if dropped > 0 { CascadeMetrics.udpDropped.increment(by: Int64(dropped)) }
        if sendDropped > 0 { CascadeMetrics.udpSendDropped.increment(by: Int64(sendDropped)) }
        if sendFailed > 0 { CascadeMetrics.udpSendFailed.increment(by: Int64(sendFailed)) }
        if forwarded > 0 { CascadeMetrics.rtpForwarded.increment(by: Int64(forwarded)) }
        if nackReceived > 0 { CascadeMetrics.nackReceived.increment(by: Int64(nackReceived)) }
        if nackSent > 0 { CascadeMetrics.nackSent.increment(by: Int64(nackSent)) }
        if rtxSent > 0 { CascadeMetrics.rtxSent.increment(by: Int64(rtxSent)) }
        if rtxReceived > 0 { CascadeMetrics.rtxReceived.increment(by: Int64(rtxReceived)) }
        if pliSent > 0 { CascadeMetrics.pliSent.increment(by: Int64(pliSent)) }
        let openDelta = transportsOpened - transportsClosed
        if openDelta != 0 { CascadeMetrics.transports.increment(by: Double(openDelta)) }
        self = WorkerCounters()
    }
}
