import RTP

/// What one subscribing client receives: its tracks, the feedback it sends (NACK, PLI/FIR,
/// receiver reports) dispatched to them, and the sender reports it needs for lip sync.
public final class Subscription {
    public let id: String
    public let identity: String
    public let publicationID: String
    public let cname: String
    public let tracks: [SubscriberTrack]
    public weak var downstream: (any RTPPacketSender)? {
        didSet { for track in tracks { track.downstream = downstream } }
    }

    private var tracksBySSRC: [UInt32: SubscriberTrack] = [:]
    private var lastReportNanos: UInt64 = 0
    static let reportIntervalNanos: UInt64 = 1_000_000_000

    public init(id: String, identity: String, publicationID: String, cname: String, tracks: [SubscriberTrack]) {
        self.id = id
        self.identity = identity
        self.publicationID = publicationID
        self.cname = cname
        self.tracks = tracks
        for track in tracks {
            tracksBySSRC[track.ssrc] = track
            if let rtx = track.rtxSSRC { tracksBySSRC[rtx] = track }
        }
    }

    public func receiveRTCP(_ packets: [RTCPPacket], nowNanos: UInt64) {
        for packet in packets {
            switch packet {
            case .genericNACK(let nack):
                tracksBySSRC[nack.mediaSSRC]?.handleNACK(nack.lostSequenceNumbers, nowNanos: nowNanos)
            case .pictureLossIndication(let pli):
                tracksBySSRC[pli.mediaSSRC]?.handleKeyframeRequest(nowNanos: nowNanos)
            case .fullIntraRequest(let fir):
                for entry in fir.entries { tracksBySSRC[entry.ssrc]?.handleKeyframeRequest(nowNanos: nowNanos) }
            case .receiverReport(let report):
                for block in report.reports { tracksBySSRC[block.ssrc]?.reportBlockReceived(block, nowNanos: nowNanos) }
            case .senderReport(let report):
                for block in report.reports { tracksBySSRC[block.ssrc]?.reportBlockReceived(block, nowNanos: nowNanos) }
            default:
                break
            }
        }
    }

    /// About once a second: an SR per track that has sent, and SDES CNAME (RFC 3550 §6.1 compound).
    public func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        guard let downstream, nowNanos &- lastReportNanos >= Self.reportIntervalNanos else { return }
        lastReportNanos = nowNanos
        let ntp = NTPTimestamp(unixNanos: wallClockUnixNanos).rawValue
        let reports = tracks.compactMap { $0.makeSenderReport(ntpTimestamp: ntp, nowNanos: nowNanos) }
        guard !reports.isEmpty else { return }
        var compound: [RTCPPacket] = reports.map { .senderReport($0) }
        compound.append(.sourceDescription(SourceDescription(chunks: reports.map {
            SourceDescription.Chunk(ssrc: $0.ssrc, cname: cname)
        })))
        downstream.sendRTCP(compound)
    }

    /// RFC 3550 §6.6: BYE for every stream, sent when the source or the subscriber goes away.
    public func goodbye() {
        downstream?.sendRTCP([.goodbye(Goodbye(ssrcs: tracks.map(\.ssrc), reason: "publisher left"))])
    }

    public func close() {
        for track in tracks { track.detach() }
    }
}
