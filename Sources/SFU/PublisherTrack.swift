import RTP

/// One track a client publishes (RTP in), normalised so subscribers never depend on the sender's
/// raw numbers: sequence numbers unwrapped, losses NACKed upstream, packets kept for repair, key
/// frames requested (throttled) on behalf of every subscriber, and the packet fanned out.
public final class PublisherTrack {
    public let mid: String
    public let codec: TrackCodec
    /// The SSRC we use as "sender SSRC" in feedback to this publisher.
    public let localSSRC: UInt32
    public private(set) var ssrc: UInt32?
    public private(set) var rtxSSRC: UInt32?
    public weak var upstream: (any RTPPacketSender)?
    public let history: PacketHistory
    public private(set) var subscribers: [SubscriberTrack] = []
    public private(set) var packetsReceived = 0
    public private(set) var retransmissionsReceived = 0
    /// False while a host has muted this track: packets are still received and kept, but not
    /// forwarded, whatever the client does.
    public private(set) var isForwarding = true
    /// Fraction lost (0…1) in the latest receiver report interval.
    public private(set) var recentLossFraction: Double = 0
    private var audioLevels = AudioLevelAccumulator()

    private let counters: ForwardingCounters
    /// Where this track defers its fan-out to the end of the read burst; nil: at once.
    private let fanout: FanoutQueue?
    /// Packets received in this read burst and not fanned out yet (they wait in `history`).
    private var pending: [PendingPacket] = []
    /// When the newest packet arrived (RTX included), to tell an outage from a loss.
    private var lastReceivedNanos: UInt64?
    private let audioLevelID: UInt8?
    private var unwrapper = SequenceNumberUnwrapper()
    private var nack = NackGenerator()
    private var statistics: ReceiveStatistics?
    private var keyframeRequests = KeyframeRequestThrottle()
    /// RTX packets are turned back into originals here (RFC 4588 §4), never on the heap.
    private let recoveryBuffer: UnsafeMutableRawBufferPointer

    public init(mid: String, codec: TrackCodec, ssrc: UInt32?, rtxSSRC: UInt32?, extensionIDs: ExtensionIDs,
                localSSRC: UInt32, counters: ForwardingCounters, fanout: FanoutQueue? = nil) {
        self.mid = mid
        self.codec = codec
        self.ssrc = ssrc
        self.rtxSSRC = rtxSSRC
        self.localSSRC = localSSRC
        self.counters = counters
        self.fanout = fanout
        self.audioLevelID = codec.kind == .audio ? extensionIDs.audioLevel : nil
        // Audio needs little history: Opus repairs itself (FEC/PLC) and NACK rarely arrives in time.
        self.history = PacketHistory(capacity: codec.kind == .video ? 1024 : 128)
        self.recoveryBuffer = .allocate(byteCount: 1500, alignment: 8)
        if let ssrc { statistics = ReceiveStatistics(ssrc: ssrc, clockRate: codec.clockRate) }
    }

    deinit {
        recoveryBuffer.deallocate()
    }

    public var isVideo: Bool { codec.kind == .video }

    /// Whether a packet with this SSRC and payload type belongs here (RTX included).
    func owns(ssrc packetSSRC: UInt32) -> Bool {
        packetSSRC == ssrc || packetSSRC == rtxSSRC
    }

    /// Learns an SSRC the offer did not announce (clients may omit a=ssrc), from the packet's
    /// payload type: the primary PT binds the media SSRC, the RTX PT the repair SSRC.
    func bind(ssrc packetSSRC: UInt32, payloadType: UInt8) -> Bool {
        if payloadType == codec.payloadType {
            if ssrc != packetSSRC { restart(ssrc: packetSSRC) }
            return true
        }
        if let rtxPT = codec.rtxPayloadType, payloadType == rtxPT {
            rtxSSRC = packetSSRC
            return true
        }
        return false
    }

    /// The publisher switched SSRC (a client restarted its sender): forget the old stream.
    private func restart(ssrc newSSRC: UInt32) {
        forwardPending()
        ssrc = newSSRC
        unwrapper.reset()
        nack.reset()
        history.removeAll()
        statistics = ReceiveStatistics(ssrc: newSSRC, clockRate: codec.clockRate)
    }

    // MARK: - Packet path

    /// Takes one decrypted RTP packet of this track (media or RTX) and forwards it.
    public func receive(_ packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        if header.ssrc == rtxSSRC, header.ssrc != ssrc {
            receiveRetransmission(packet, nowNanos: nowNanos)
            return
        }
        process(packet, header: header, isRetransmission: false, nowNanos: nowNanos)
    }

    private func receiveRetransmission(_ packet: UnsafeRawBufferPointer, nowNanos: UInt64) {
        // An RTX packet without OSN is padding used for bandwidth probing: nothing to forward.
        guard let ssrc,
              let length = RTX.recover(from: packet, originalSSRC: ssrc, originalPayloadType: codec.payloadType,
                                       into: recoveryBuffer)
        else { return }
        let original = UnsafeRawBufferPointer(rebasing: recoveryBuffer[0..<length])
        guard let header = RTPHeader.parse(original) else { return }
        process(original, header: header, isRetransmission: true, nowNanos: nowNanos)
    }

    private func process(_ packet: UnsafeRawBufferPointer, header: RTPHeader, isRetransmission: Bool, nowNanos: UInt64) {
        if ssrc == nil || statistics == nil { restart(ssrc: header.ssrc) }
        guard header.ssrc == ssrc else { return }
        let extended = unwrapper.unwrap(header.sequenceNumber)
        // A packet we already hold is a duplicate (a retransmission that crossed a late original).
        if history.contains(extendedSequence: extended) {
            counters.duplicatePackets += 1
            return
        }
        if !isRetransmission && isFirstAfterOutage(extended, nowNanos: nowNanos) {
            resumeAfterOutage(at: extended, ssrc: header.ssrc, nowNanos: nowNanos)
        }
        lastReceivedNanos = nowNanos
        packetsReceived += 1
        if isRetransmission {
            retransmissionsReceived += 1
            counters.retransmissionsReceived += 1
        }
        nack.received(sequenceNumber: header.sequenceNumber, isRetransmission: isRetransmission, nowNanos: nowNanos)
        statistics?.received(sequenceNumber: header.sequenceNumber, rtpTimestamp: header.timestamp,
                             packetBytes: packet.count, nowNanos: nowNanos)
        let isStored = history.store(packet: packet, extendedSequence: extended, nowNanos: nowNanos)

        // Padding-only packets (bandwidth probes) carry no media for subscribers.
        guard header.payloadLength > 0 else { return }
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        let isKeyframe = codec.videoCodec.map { VideoCodec.isKeyframe(codec: $0, payload: payload) } ?? false
        if isKeyframe { keyframeRequests.keyframeReceived() }
        var audioLevel: AudioLevel?
        if let id = audioLevelID, let range = header.extensionElement(id: id, in: packet) {
            audioLevel = RTPExtensionValue.audioLevel(packet, range)
            if let audioLevel, !isRetransmission { audioLevels.add(audioLevel) }
        }
        guard isForwarding, !subscribers.isEmpty else { return }
        let packetInfo = PendingPacket(extendedSequence: extended, header: header, isKeyframe: isKeyframe,
                                       audioLevel: audioLevel, nowNanos: nowNanos)
        if let fanout, isStored {
            if pending.isEmpty { fanout.schedule(self) }
            pending.append(packetInfo)
            // Well inside the history ring (128 audio slots), so a pending packet is never evicted.
            if pending.count == Self.maximumPending { forwardPending() }
            return
        }
        // Not kept (larger than a history slot): after what is pending, in order.
        forwardPending()
        for subscriber in subscribers { deliver(packet, packetInfo, to: subscriber) }
    }

    static let maximumPending = 32

    /// Silence longer than this, ended by a packet after a gap in sequence numbers, is an outage
    /// rather than a loss: a NACK for what is missing could not be answered in time anyway
    /// (`NackGenerator` gives up after 1 s).
    static let outageNanos: UInt64 = 1_000_000_000

    private func isFirstAfterOutage(_ extended: Int64, nowNanos: UInt64) -> Bool {
        guard let newest = history.newestSequence, extended > newest + 1, let last = lastReceivedNanos else { return false }
        return nowNanos > last && nowNanos - last > Self.outageNanos
    }

    /// The network dropped everything for a while (a WAN outage) and the stream is back. What is
    /// missing is older than anyone still wants, so instead of NACKing it: subscribers see the
    /// stream close up (a receiver like aiortc's otherwise waits for the gap to fill until its
    /// jitter buffer overflows — 9 s after an 8 s outage in the interop test), and video
    /// restarts at a key frame, which each video subscriber requests now (throttled to one PLI).
    private func resumeAfterOutage(at extended: Int64, ssrc: UInt32, nowNanos: UInt64) {
        forwardPending()  // the packets before the outage keep their place
        nack.reset()
        for subscriber in subscribers { subscriber.sourceResumed(at: extended, ssrc: ssrc, nowNanos: nowNanos) }
    }

    /// Fans out the packets of this read burst, subscriber by subscriber (see `FanoutQueue`).
    func forwardPending() {
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: true) }
        guard isForwarding else { return }
        let targets = subscribers
        // Index loops: `for … in` over an array goes through IndexingIterator, which in an
        // unoptimized build allocates a coroutine frame per element (the allocation test sees it).
        var target = 0
        while target < targets.count {
            let subscriber = targets[target]
            var index = 0
            while index < pending.count {
                let packetInfo = pending[index]
                history.withPacket(extendedSequence: packetInfo.extendedSequence) { packet in
                    deliver(packet, packetInfo, to: subscriber)
                }
                index += 1
            }
            target += 1
        }
    }

    private func deliver(_ packet: UnsafeRawBufferPointer, _ packetInfo: PendingPacket, to subscriber: SubscriberTrack) {
        subscriber.forward(packet, header: packetInfo.header, extendedSequence: packetInfo.extendedSequence,
                           isKeyframe: packetInfo.isKeyframe, audioLevel: packetInfo.audioLevel,
                           nowNanos: packetInfo.nowNanos)
    }

    // MARK: - Feedback to the publisher

    /// Asks the publisher for a key frame, at most once per throttle interval (RFC 4585 §6.3.1 PLI).
    public func requestKeyframe(nowNanos: UInt64) {
        guard isVideo else { return }
        keyframeRequests.request(nowNanos: nowNanos)
        sendPendingKeyframeRequest(nowNanos: nowNanos)
    }

    private func sendPendingKeyframeRequest(nowNanos: UInt64) {
        guard let ssrc, let upstream, keyframeRequests.shouldSend(nowNanos: nowNanos) else { return }
        upstream.sendRTCP([.pictureLossIndication(PictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc))])
        counters.keyframeRequestsSent += 1
    }

    public func senderReportReceived(_ report: SenderReport, nowNanos: UInt64) {
        statistics?.senderReportReceived(ntpTimestamp: report.ntpTimestamp, nowNanos: nowNanos)
    }

    /// Sends due NACKs and pending key frame requests.
    public func tick(nowNanos: UInt64) {
        guard let ssrc, let upstream else { return }
        let lost = nack.due(nowNanos: nowNanos)
        if !lost.isEmpty {
            upstream.sendRTCP([.genericNACK(GenericNACK(senderSSRC: localSSRC, mediaSSRC: ssrc, lostSequenceNumbers: lost))])
            counters.nackSent += lost.count
        }
        if nack.needsKeyframe {
            nack.keyframeRequested()
            requestKeyframe(nowNanos: nowNanos)
        }
        sendPendingKeyframeRequest(nowNanos: nowNanos)
    }

    /// RFC 3550 §6.4.2: a report block for this stream, for the receiver report.
    public func makeReportBlock(nowNanos: UInt64) -> ReportBlock? {
        guard let block = statistics?.makeReportBlock(nowNanos: nowNanos) else { return nil }
        recentLossFraction = Double(block.fractionLost) / 256
        return block
    }

    /// A host mute (`enabled == false`) or its end. Resuming video waits for a key frame.
    public func setForwarding(_ enabled: Bool, nowNanos: UInt64) {
        guard enabled != isForwarding else { return }
        isForwarding = enabled
        if enabled {
            for subscriber in subscribers { subscriber.resumeAfterGap(nowNanos: nowNanos) }
        }
    }

    /// The mean audio level since the previous call (nil if no packet carried one).
    public func takeAudioLevel() -> (level: Double, voiceActivity: Double)? {
        audioLevels.take()
    }

    public func receivedBitrateBps(nowNanos: UInt64) -> UInt64 {
        statistics?.receivedBitrateBps(nowNanos: nowNanos) ?? 0
    }

    public var lossFraction: Double {
        guard let statistics, statistics.expectedPackets > 0 else { return 0 }
        return Double(max(0, statistics.cumulativeLost)) / Double(statistics.expectedPackets)
    }

    // MARK: - Subscribers

    func attach(_ subscriber: SubscriberTrack, nowNanos: UInt64) {
        subscribers.append(subscriber)
        // A new subscriber can only start decoding at a key frame: ask for one now.
        requestKeyframe(nowNanos: nowNanos)
    }

    func detach(_ subscriber: SubscriberTrack) {
        subscribers.removeAll { $0 === subscriber }
    }

    /// The publisher left: every subscriber's source is gone.
    func close() {
        pending.removeAll()
        for subscriber in subscribers { subscriber.sourceEnded() }
        subscribers.removeAll()
    }
}

/// What the fan-out needs of a received packet besides its bytes (which stay in the history).
struct PendingPacket {
    var extendedSequence: Int64
    var header: RTPHeader
    var isKeyframe: Bool
    var audioLevel: AudioLevel?
    var nowNanos: UInt64
}
