import RTP

/// What one publishing client sends: its tracks (at most one audio and one video for WHIP), and
/// the transport-wide feedback that makes its encoder ramp up — transport-cc feedback for
/// clients that negotiated it (Chromium), REMB for those that only do REMB (aiortc).
public final class Publication {
    public let id: String
    public let identity: String
    public let tracks: [PublisherTrack]
    public weak var upstream: (any RTPPacketSender)? {
        didSet { for track in tracks { track.upstream = upstream } }
    }

    private let localSSRC: UInt32
    private let midExtensionID: UInt8?
    private let transportWideExtensionID: UInt8?
    private var transportWide: TransportWideCCRecorder?
    private var bitrateEstimate: RemoteBitrateEstimate?
    private var tracksBySSRC: [UInt32: PublisherTrack] = [:]
    private var lastFeedbackNanos: UInt64 = 0
    private var lastReportNanos: UInt64 = 0

    static let transportFeedbackIntervalNanos: UInt64 = 100_000_000
    static let reportIntervalNanos: UInt64 = 1_000_000_000

    /// - Parameters:
    ///   - sendsTransportCC: the client negotiated `transport-cc` feedback and the extension.
    ///   - sendsREMB: the client negotiated `goog-remb` and no transport-cc.
    public init(id: String, identity: String, tracks: [PublisherTrack], extensionIDs: ExtensionIDs, localSSRC: UInt32,
                sendsTransportCC: Bool, sendsREMB: Bool) {
        self.id = id
        self.identity = identity
        self.tracks = tracks
        self.localSSRC = localSSRC
        self.midExtensionID = extensionIDs.mid
        self.transportWideExtensionID = sendsTransportCC ? extensionIDs.transportWideSequence : nil
        if transportWideExtensionID != nil { transportWide = TransportWideCCRecorder() }
        if sendsREMB && transportWideExtensionID == nil { bitrateEstimate = RemoteBitrateEstimate() }
        for track in tracks {
            if let ssrc = track.ssrc { tracksBySSRC[ssrc] = track }
            if let rtx = track.rtxSSRC { tracksBySSRC[rtx] = track }
        }
    }

    public func track(kind: MediaKind) -> PublisherTrack? {
        tracks.first { $0.codec.kind == kind }
    }

    // MARK: - Packet path

    /// Takes one decrypted RTP packet from the publishing client.
    public func receiveRTP(_ packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {
        // Every packet with a transport-wide number is reported, whatever its SSRC, or the
        // sender counts it lost and stops probing (INTEROP-NOTES §4 TWCC).
        if let id = transportWideExtensionID, let range = header.extensionElement(id: id, in: packet),
           let sequence = RTPExtensionValue.transportSequenceNumber(packet, range) {
            transportWide?.record(transportSequence: sequence, arrivalNanos: nowNanos)
        }
        if let track = tracksBySSRC[header.ssrc] {
            track.receive(packet, header: header, nowNanos: nowNanos)
        } else if let track = bindUnknownSSRC(packet, header: header) {
            track.receive(packet, header: header, nowNanos: nowNanos)
        }
    }

    /// INTEROP-NOTES §1 "No a=ssrc": find the track by the MID extension, then by payload type.
    private func bindUnknownSSRC(_ packet: UnsafeRawBufferPointer, header: RTPHeader) -> PublisherTrack? {
        var candidates = tracks
        if let id = midExtensionID, let range = header.extensionElement(id: id, in: packet) {
            candidates = tracks.filter { RTPExtensionValue.stringEquals(packet, range, $0.mid) }
        }
        for track in candidates where track.bind(ssrc: header.ssrc, payloadType: header.payloadType) {
            tracksBySSRC = tracksBySSRC.filter { $0.value !== track || track.owns(ssrc: $0.key) }
            tracksBySSRC[header.ssrc] = track
            return track
        }
        return nil
    }

    public func receiveRTCP(_ packets: [RTCPPacket], nowNanos: UInt64) {
        for packet in packets {
            if case .senderReport(let report) = packet, let track = tracksBySSRC[report.ssrc] {
                track.senderReportReceived(report, nowNanos: nowNanos)
            }
        }
    }

    // MARK: - Timers

    public func tick(nowNanos: UInt64) {
        for track in tracks { track.tick(nowNanos: nowNanos) }
        guard let upstream else { return }
        if transportWide != nil, nowNanos &- lastFeedbackNanos >= Self.transportFeedbackIntervalNanos {
            lastFeedbackNanos = nowNanos
            let mediaSSRC = tracks.lazy.compactMap(\.ssrc).first ?? 0
            if let feedback = transportWide?.makeFeedback(senderSSRC: localSSRC, mediaSSRC: mediaSSRC, nowNanos: nowNanos),
               !feedback.isEmpty {
                upstream.sendRTCP(feedback.map { .transportCC($0) })
            }
        }
        if nowNanos &- lastReportNanos >= Self.reportIntervalNanos {
            lastReportNanos = nowNanos
            sendReports(to: upstream, nowNanos: nowNanos)
        }
    }

    /// RFC 3550 §6.4.2 receiver report about every stream, plus REMB for REMB-only clients.
    private func sendReports(to upstream: any RTPPacketSender, nowNanos: UInt64) {
        let blocks = tracks.compactMap { $0.makeReportBlock(nowNanos: nowNanos) }
        var compound: [RTCPPacket] = [.receiverReport(ReceiverReport(ssrc: localSSRC, reports: blocks))]
        if bitrateEstimate != nil {
            let received = tracks.reduce(UInt64(0)) { $0 + $1.receivedBitrateBps(nowNanos: nowNanos) }
            let worstLoss = blocks.map { Double($0.fractionLost) / 256 }.max() ?? 0
            if let bitrate = bitrateEstimate?.update(receivedBitrateBps: received, lossFraction: worstLoss, nowNanos: nowNanos) {
                let ssrcs = tracks.compactMap(\.ssrc)
                compound.append(.remb(ReceiverEstimatedMaxBitrate(senderSSRC: localSSRC, bitrateBps: bitrate, ssrcs: ssrcs)))
            }
        }
        upstream.sendRTCP(compound)
    }

    /// The publisher left: every subscriber's source ends.
    public func close() {
        for track in tracks { track.close() }
    }
}
