import DTLS
import MediaServer
import NIOCore
import RTP
import SDP

/// A WHIP publisher sending one synthetic VP8 video track (constant bitrate, 30 fps, a key frame
/// every 2 s and on every PLI/FIR) and one Opus-shaped audio track (50 packets/s), paced by the
/// loop driver's tick. Every payload ends in a `BenchStamp` taken just before encryption.
final class BenchPublisher: BenchPeer, @unchecked Sendable {
    let videoSSRC = UInt32.random(in: 1...UInt32.max)
    let audioSSRC = UInt32.random(in: 1...UInt32.max)
    private var video: SyntheticVP8Source
    private var audio = SyntheticOpusSource(payloadBytes: 100, initialTimestamp: UInt32.random(in: 0...UInt32.max))
    private var videoSequence = UInt16.random(in: 0...UInt16.max)
    private var audioSequence = UInt16.random(in: 0...UInt16.max)
    private var transportSequence: UInt16 = 0
    private var videoPayloadType: UInt8 = 0
    private var audioPayloadType: UInt8 = 0
    private var videoMid = "1"
    private var audioMid = "0"
    private var midID: UInt8?
    private var transportWideID: UInt8?
    private var nextVideoNanos: UInt64 = 0
    private var nextAudioNanos: UInt64 = 0
    private var sending = false

    /// Counters read by the benchmark (on the loop).
    private(set) var videoPacketsSent: UInt64 = 0
    private(set) var audioPacketsSent: UInt64 = 0
    private(set) var keyframeRequests = 0
    private(set) var keyframesSent = 0

    init(loop: any EventLoop, certificate: DTLSCertificate, videoBitrateBps: Int) {
        video = SyntheticVP8Source(bitrateBps: videoBitrateBps, initialPictureID: UInt16.random(in: 0...0x7FFF),
                                   initialTimestamp: UInt32.random(in: 0...UInt32.max))
        super.init(loop: loop, certificate: certificate)
    }

    var outgoingTracks: [MediaKind: OutgoingTrack] {
        let cname = "bench-\(videoSSRC)"
        return [
            .audio: OutgoingTrack(ssrc: audioSSRC, cname: cname, streamID: cname, trackID: "\(cname)-audio"),
            .video: OutgoingTrack(ssrc: videoSSRC, cname: cname, streamID: cname, trackID: "\(cname)-video"),
        ]
    }

    override func didNegotiate() {
        guard let negotiated else { return }
        for media in negotiated.accepted {
            guard let codec = media.codec else { continue }
            switch media.kind {
            case .audio:
                audioPayloadType = codec.payloadType
                audioMid = media.mid
            case .video:
                videoPayloadType = codec.payloadType
                videoMid = media.mid
            }
            midID = midID ?? media.extensions[HeaderExtensionURI.mid]
            transportWideID = transportWideID ?? media.extensions[HeaderExtensionURI.transportWideCC]
        }
    }

    override func transportConnected(_ transport: PeerTransport) {
        let now = NIODeadline.now().uptimeNanoseconds
        nextVideoNanos = now
        nextAudioNanos = now
        sending = true
        super.transportConnected(transport)
    }

    override func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {
        for packet in packets {
            switch packet {
            case .pictureLossIndication(let pli) where pli.mediaSSRC == videoSSRC:
                keyframeRequests += 1
                video.requestKeyframe()
            case .fullIntraRequest:
                keyframeRequests += 1
                video.requestKeyframe()
            default:
                break
            }
        }
    }

    /// Sends every frame that is due; called by the driver every tick.
    override func tick(nowNanos: UInt64) {
        if sending, let transport, transport.isConnected {
            // After a stall longer than a second, resynchronise rather than burst.
            if nowNanos > nextVideoNanos &+ 1_000_000_000 { nextVideoNanos = nowNanos }
            if nowNanos > nextAudioNanos &+ 1_000_000_000 { nextAudioNanos = nowNanos }
            while nowNanos >= nextVideoNanos {
                sendVideoFrame()
                nextVideoNanos &+= video.frameIntervalNanos
            }
            while nowNanos >= nextAudioNanos {
                sendAudioFrame()
                nextAudioNanos &+= SyntheticOpusSource.frameIntervalNanos
            }
        }
        super.tick(nowNanos: nowNanos)
    }

    private func stampExtensions(_ writer: inout RTPPacketWriter, mid: String) {
        if let midID { writer.extensions.append(id: midID, string: mid) }
        if let transportWideID {
            writer.extensions.append(id: transportWideID, transportSequenceNumber: transportSequence)
            transportSequence &+= 1
        }
    }

    private func sendVideoFrame() {
        let frame = video.nextFrame()
        if frame.isKeyframe { keyframesSent += 1 }
        for index in frame.payloadSizes.indices {
            var writer = RTPPacketWriter(payloadType: videoPayloadType, sequenceNumber: videoSequence,
                                         timestamp: frame.rtpTimestamp, ssrc: videoSSRC,
                                         marker: index == frame.payloadSizes.count - 1)
            stampExtensions(&writer, mid: videoMid)
            let headerLength = writer.headerLength
            let counter = videoPacketsSent
            transport?.sendRTP(maximumLength: writer.packetLength(payloadLength: frame.payloadSizes[index])) { out in
                let payload = UnsafeMutableRawBufferPointer(rebasing: out[headerLength...])
                let length = SyntheticVP8Source.writePayload(frame, index: index, counter: counter,
                                                             sendNanos: NIODeadline.now().uptimeNanoseconds,
                                                             into: payload)
                guard length > 0 else { return 0 }
                // The writer moves the payload first (memmove), so writing it in place is safe.
                return writer.write(payload: UnsafeRawBufferPointer(rebasing: out[headerLength..<(headerLength + length)]),
                                    into: out) ?? 0
            }
            videoSequence &+= 1
            videoPacketsSent += 1
        }
    }

    private func sendAudioFrame() {
        var writer = RTPPacketWriter(payloadType: audioPayloadType, sequenceNumber: audioSequence,
                                     timestamp: audio.nextTimestamp(), ssrc: audioSSRC)
        stampExtensions(&writer, mid: audioMid)
        let headerLength = writer.headerLength
        let counter = audioPacketsSent
        let source = audio
        transport?.sendRTP(maximumLength: writer.packetLength(payloadLength: source.payloadBytes)) { out in
            let payload = UnsafeMutableRawBufferPointer(rebasing: out[headerLength...])
            let length = source.writePayload(counter: counter, sendNanos: NIODeadline.now().uptimeNanoseconds,
                                             into: payload)
            guard length > 0 else { return 0 }
            return writer.write(payload: UnsafeRawBufferPointer(rebasing: out[headerLength..<(headerLength + length)]),
                                into: out) ?? 0
        }
        audioSequence &+= 1
        audioPacketsSent += 1
    }
}
