import RTP

/// One track sent to one subscribing client: its own SSRC, sequence numbers and timestamps
/// (rewritten, so the subscriber never sees a jump when its source changes), its own payload
/// types and extension ids, repairs from the source's history, and sender reports.
public final class SubscriberTrack {
    public let mid: String
    /// The codec as negotiated with this subscriber (its payload types).
    public let codec: TrackCodec
    public let ssrc: UInt32
    public let rtxSSRC: UInt32?
    public let extensionIDs: ExtensionIDs
    public weak var downstream: (any RTPPacketSender)?
    public private(set) weak var source: PublisherTrack?
    public private(set) var packetsSent = 0
    /// The subscriber chose not to receive this track for now (signaling `pause`).
    public private(set) var isPaused = false
    /// After a pause, video resumes only at a key frame: a delta frame would reference
    /// pictures the subscriber never got.
    private var waitingForKeyframe = false

    private let counters: ForwardingCounters
    private var rewriter: SubscriberStreamRewriter
    private var sendStatistics: SendStatistics
    private var rtxSequenceNumber = UInt16.random(in: 1000..<32768)
    /// Maps each outgoing packet back to the source timestamp offset in effect when it was
    /// sent, so a retransmission carries the timestamp the subscriber saw first.
    private var timestampOffset: UInt32 = 0

    public init(mid: String, codec: TrackCodec, ssrc: UInt32, rtxSSRC: UInt32?, extensionIDs: ExtensionIDs,
                counters: ForwardingCounters) {
        self.mid = mid
        self.codec = codec
        self.ssrc = ssrc
        self.rtxSSRC = codec.rtxPayloadType == nil ? nil : rtxSSRC
        self.extensionIDs = extensionIDs
        self.counters = counters
        self.rewriter = SubscriberStreamRewriter(kind: codec.kind == .video ? .video : .audio, outgoingSSRC: ssrc,
                                                 clockRate: codec.clockRate, frameDurationTicks: codec.frameDurationTicks)
        self.sendStatistics = SendStatistics(ssrc: ssrc, clockRate: codec.clockRate)
    }

    /// Starts receiving from `track`; asks it for a key frame so this subscriber can start decoding.
    public func attach(to track: PublisherTrack, nowNanos: UInt64) {
        source?.detach(self)
        source = track
        track.attach(self, nowNanos: nowNanos)
    }

    public func detach() {
        source?.detach(self)
        source = nil
    }

    /// Called by the source when its publisher leaves.
    func sourceEnded() {
        source = nil
    }

    /// Stops or resumes forwarding to this subscriber.
    public func setPaused(_ paused: Bool, nowNanos: UInt64) {
        guard paused != isPaused else { return }
        isPaused = paused
        if !paused { resumeAfterGap(nowNanos: nowNanos) }
    }

    /// Forwarding restarts after packets were withheld (a pause, a host mute): video waits for a
    /// key frame, which is requested now.
    func resumeAfterGap(nowNanos: UInt64) {
        guard codec.kind == .video else { return }
        waitingForKeyframe = true
        source?.requestKeyframe(nowNanos: nowNanos)
    }

    /// The source resumes after a network outage (`PublisherTrack`): close up the gap in this
    /// subscriber's sequence numbers, and restart video at a key frame.
    func sourceResumed(at extendedSequence: Int64, ssrc: UInt32, nowNanos: UInt64) {
        rewriter.skipGap(before: extendedSequence, ssrc: ssrc)
        resumeAfterGap(nowNanos: nowNanos)
    }

    // MARK: - Packet path

    func forward(_ packet: UnsafeRawBufferPointer, header: RTPHeader, extendedSequence: Int64, isKeyframe: Bool,
                 audioLevel: AudioLevel?, nowNanos: UInt64) {
        if isPaused || (waitingForKeyframe && !isKeyframe) {
            // Withheld on purpose: later packets close up so the subscriber sees no loss.
            rewriter.drop(extendedSequence: extendedSequence, ssrc: header.ssrc)
            if waitingForKeyframe && !isPaused { source?.requestKeyframe(nowNanos: nowNanos) }
            return
        }
        waitingForKeyframe = false
        guard let rewritten = rewriter.rewrite(extendedSequence: extendedSequence, timestamp: header.timestamp,
                                               ssrc: header.ssrc, isKeyframe: isKeyframe, nowNanos: nowNanos)
        else {
            if rewriter.needsKeyframe { source?.requestKeyframe(nowNanos: nowNanos) }
            return
        }
        timestampOffset = rewritten.timestamp &- header.timestamp
        var writer = RTPPacketWriter(payloadType: codec.payloadType, sequenceNumber: rewritten.sequenceNumber,
                                     timestamp: rewritten.timestamp, ssrc: ssrc, marker: header.marker)
        stampExtensions(&writer, audioLevel: audioLevel, nowNanos: nowNanos)
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        send(writer, payload: payload)
        sendStatistics.sent(rtpTimestamp: rewritten.timestamp, payloadBytes: payload.count, nowNanos: nowNanos)
        packetsSent += 1
        counters.forwardedPackets += 1
    }

    /// INTEROP-NOTES §1: the negotiated MID must be stamped or Chrome drops the packets; abs-send-time
    /// lets the receiver estimate bandwidth; audio level drives active-speaker detection downstream.
    private func stampExtensions(_ writer: inout RTPPacketWriter, audioLevel: AudioLevel?, nowNanos: UInt64) {
        if let id = extensionIDs.mid { _ = writer.extensions.append(id: id, string: mid) }
        if let id = extensionIDs.absSendTime {
            _ = writer.extensions.append(id: id, absSendTime: AbsSendTime.fromNanos(nowNanos))
        }
        if let id = extensionIDs.audioLevel, let audioLevel {
            _ = writer.extensions.append(id: id, audioLevel: audioLevel)
        }
    }

    private func send(_ writer: RTPPacketWriter, payload: UnsafeRawBufferPointer) {
        guard let downstream else { return }
        downstream.sendRTP(maximumLength: writer.packetLength(payloadLength: payload.count)) { out in
            writer.write(payload: payload, into: out) ?? 0
        }
    }

    // MARK: - Feedback from the subscriber

    /// RFC 4585 §6.2.1: resend what the subscriber lost, from the source's history, over RTX when
    /// negotiated (RFC 4588), else as the original packet again.
    public func handleNACK(_ sequenceNumbers: [UInt16], nowNanos: UInt64) {
        counters.nackReceived += sequenceNumbers.count
        guard let source else { return }
        for outgoing in sequenceNumbers {
            guard let origin = rewriter.origin(ofOutgoing: outgoing), origin.ssrc == source.ssrc else { continue }
            source.history.withPacketForRetransmission(extendedSequence: origin.extendedSequence, nowNanos: nowNanos) { packet in
                guard let header = RTPHeader.parse(packet) else { return }
                let timestamp = header.timestamp &+ timestampOffset
                var writer: RTPPacketWriter
                if let rtxSSRC, let rtxPayloadType = codec.rtxPayloadType {
                    writer = RTPPacketWriter(payloadType: rtxPayloadType, sequenceNumber: rtxSequenceNumber,
                                             timestamp: timestamp, ssrc: rtxSSRC, marker: header.marker,
                                             rtxOriginalSequenceNumber: outgoing)
                    rtxSequenceNumber &+= 1
                } else {
                    writer = RTPPacketWriter(payloadType: codec.payloadType, sequenceNumber: outgoing,
                                             timestamp: timestamp, ssrc: ssrc, marker: header.marker)
                }
                stampExtensions(&writer, audioLevel: nil, nowNanos: nowNanos)
                send(writer, payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
                counters.retransmissionsSent += 1
            }
        }
    }

    /// PLI or FIR from the subscriber: passed to the publisher, throttled there.
    public func handleKeyframeRequest(nowNanos: UInt64) {
        source?.requestKeyframe(nowNanos: nowNanos)
    }

    public func reportBlockReceived(_ block: ReportBlock, nowNanos: UInt64) {
        _ = sendStatistics.reportBlockReceived(block, nowNanos: nowNanos)
    }

    /// What the subscriber's receiver reports say: fraction lost (0…1) and round-trip time.
    public var receptionQuality: (lossFraction: Double, roundTripNanos: UInt64?) {
        (Double(sendStatistics.remoteFractionLost) / 256, sendStatistics.roundTripTimeNanos)
    }

    /// RFC 3550 §6.4.1: NTP time ↔ this subscriber's (rewritten) RTP timestamp, for lip sync.
    public func makeSenderReport(ntpTimestamp: UInt64, nowNanos: UInt64) -> SenderReport? {
        guard packetsSent > 0 else { return nil }
        return sendStatistics.makeSenderReport(ntpTimestamp: ntpTimestamp, nowNanos: nowNanos)
    }
}
