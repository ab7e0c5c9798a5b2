/// Counts kept by the SFU on its worker's loop; the worker adds them to the process metrics
/// once per tick and resets them. A class so every track of a worker shares one instance.
public final class ForwardingCounters {
    public var forwardedPackets = 0
    public var nackReceived = 0
    public var nackSent = 0
    public var retransmissionsSent = 0
    public var retransmissionsReceived = 0
    public var keyframeRequestsSent = 0
    public var duplicatePackets = 0

    public init() {}

    public func reset() {
        forwardedPackets = 0
        nackReceived = 0
        nackSent = 0
        retransmissionsSent = 0
        retransmissionsReceived = 0
        keyframeRequestsSent = 0
        duplicatePackets = 0
    }
}
