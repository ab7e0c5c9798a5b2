// Rewrites one subscriber track's RTP numbering into the subscriber's own space
// (INTEROP-NOTES §4 "Rewriting", STYLE §3): one fixed outgoing SSRC, a continuous sequence and
// timestamp across source changes (publisher restart, simulcast layer switch), and no gaps for
// packets the SFU drops on purpose — while gaps from real losses stay, so the subscriber NACKs.
//
// Incoming packets are identified by the publisher's *extended* sequence number (the one its
// PacketHistory is keyed by), so a subscriber's NACK maps straight back into that history.
//
// The mapping is a short list of ranges (as mediasoup's SeqManager keeps dropped inputs): from
// incoming `start` on, output = input − `offset`. A source switch or a deliberate drop opens a new
// range. Ranges live in a fixed ring, so per-packet work does not allocate.

public struct SubscriberStreamRewriter {
    public enum Kind: Sendable {
        /// Forwarding starts only at a key frame (decoders cannot start mid-GOP).
        case video
        case audio
    }

    /// Where an outgoing packet came from: the publisher SSRC and its extended sequence number.
    public struct Origin: Equatable, Sendable {
        public var ssrc: UInt32
        public var extendedSequence: Int64

        public init(ssrc: UInt32, extendedSequence: Int64) {
            self.ssrc = ssrc
            self.extendedSequence = extendedSequence
        }
    }

    private struct Range {
        var start: Int64       // first incoming extended sequence number of the range
        var offset: Int64      // outgoing = incoming − offset
        var ssrc: UInt32
    }

    public let kind: Kind
    public let outgoingSSRC: UInt32
    public let clockRate: UInt32
    /// Timestamp step inserted at a source change (one frame: 90000/30 video, 960 Opus).
    public let frameDurationTicks: UInt32

    /// True while video forwarding waits for a key frame: the caller should send a PLI/FIR to
    /// the publisher (through `KeyframeRequestThrottle`).
    public private(set) var needsKeyframe: Bool
    /// The publisher SSRC currently forwarded.
    public private(set) var currentSSRC: UInt32?
    private var previousSSRC: UInt32?
    private var switchedAt: UInt64 = 0
    /// After a switch, packets of the source we left are expected for about a jitter buffer's
    /// worth of time; they are dropped without asking for a key frame.
    static let stragglerWindowNanos: UInt64 = 500_000_000

    private static let rangeCapacity = 256
    private var ranges: [Range]
    private var newestRange = -1
    private var rangeCount = 0

    private var highestIncoming: Int64 = 0
    /// Extended outgoing sequence number of the newest packet sent.
    private var lastOutgoing: Int64
    private var timestampDelta: UInt32 = 0
    private let initialTimestamp: UInt32
    public private(set) var lastOutgoingTimestamp: UInt32 = 0
    public private(set) var lastSendNanos: UInt64?

    /// - Parameters:
    ///   - initialSequenceNumber: first outgoing sequence number; keep it in [1000, 32768) so
    ///     libsrtp's ROC estimate is safe (mediasoup issue 1437).
    ///   - frameDurationTicks: defaults to clockRate/30 for video and clockRate/50 (20 ms) for audio.
    public init(kind: Kind, outgoingSSRC: UInt32, clockRate: UInt32,
                initialSequenceNumber: UInt16, initialTimestamp: UInt32,
                frameDurationTicks: UInt32? = nil) {
        self.kind = kind
        self.outgoingSSRC = outgoingSSRC
        self.clockRate = clockRate
        self.frameDurationTicks = frameDurationTicks ?? (kind == .video ? clockRate / 30 : clockRate / 50)
        self.needsKeyframe = kind == .video
        self.initialTimestamp = initialTimestamp
        self.lastOutgoing = Int64(initialSequenceNumber) - 1
        self.ranges = Array(repeating: Range(start: 0, offset: 0, ssrc: 0), count: Self.rangeCapacity)
    }

    /// Random starting sequence number in [1000, 32768) and random starting timestamp.
    public init(kind: Kind, outgoingSSRC: UInt32, clockRate: UInt32, frameDurationTicks: UInt32? = nil) {
        var rng = SystemRandomNumberGenerator()
        self.init(kind: kind, outgoingSSRC: outgoingSSRC, clockRate: clockRate,
                  initialSequenceNumber: UInt16.random(in: 1000..<32768, using: &rng),
                  initialTimestamp: UInt32.random(in: 0...UInt32.max, using: &rng),
                  frameDurationTicks: frameDurationTicks)
    }

    /// The outgoing sequence number the next new packet would get.
    public var nextSequenceNumber: UInt16 { UInt16(truncatingIfNeeded: lastOutgoing + 1) }

    private func rangeIndex(back k: Int) -> Int {
        (newestRange - k + Self.rangeCapacity) % Self.rangeCapacity
    }

    private mutating func pushRange(_ range: Range) {
        newestRange = (newestRange + 1) % Self.rangeCapacity
        ranges[newestRange] = range
        rangeCount = min(rangeCount + 1, Self.rangeCapacity)
    }

    /// The outgoing sequence number and timestamp for a packet, or nil to drop it.
    /// - Parameters:
    ///   - extendedSequence: the publisher's unwrapped sequence number for this packet.
    ///   - isKeyframe: whether the packet starts a key frame (see INTEROP-NOTES §4 "Keyframes").
    public mutating func rewrite(extendedSequence: Int64, timestamp: UInt32, ssrc: UInt32,
                                 isKeyframe: Bool, nowNanos: UInt64) -> (sequenceNumber: UInt16, timestamp: UInt32)? {
        if ssrc == currentSSRC {
            // Find the range of the current source containing the packet (almost always the newest).
            var k = 0
            while k < rangeCount {
                let range = ranges[rangeIndex(back: k)]
                guard range.ssrc == ssrc else { break }
                if range.start <= extendedSequence {
                    let outgoing = extendedSequence - range.offset
                    let outTimestamp = timestamp &+ timestampDelta
                    if extendedSequence > highestIncoming { highestIncoming = extendedSequence }
                    if outgoing > lastOutgoing {
                        lastOutgoing = outgoing
                        lastOutgoingTimestamp = outTimestamp
                        lastSendNanos = nowNanos
                    }
                    return (UInt16(truncatingIfNeeded: outgoing), outTimestamp)
                }
                k += 1
            }
            // Older than where this source started (e.g. before its key frame): cannot place it.
            return nil
        }

        // A packet from another source: switch to it, at a key frame for video.
        if kind == .video && !isKeyframe {
            // Stragglers of the source we just left are expected; anything else means the caller
            // wants this source and we are waiting for its key frame.
            let isStraggler = currentSSRC != nil && ssrc == previousSSRC
                && nowNanos < switchedAt &+ Self.stragglerWindowNanos
            if !isStraggler { needsKeyframe = true }
            return nil
        }
        let outgoing = lastOutgoing + 1
        pushRange(Range(start: extendedSequence, offset: extendedSequence - outgoing, ssrc: ssrc))
        let outTimestamp: UInt32
        if let sentAt = lastSendNanos {
            // Follow the last sent timestamp by the real elapsed time, at least one frame, so the
            // receiver's jitter buffer sees a plausible step (mediasoup adds ~33 ms after SR alignment).
            let elapsed = nowNanos > sentAt ? nowNanos - sentAt : 0
            let rate = UInt64(clockRate)
            let elapsedTicks = (elapsed / 1_000_000_000) &* rate &+ (elapsed % 1_000_000_000) * rate / 1_000_000_000
            let step = UInt32(min(max(elapsedTicks, UInt64(frameDurationTicks)), 1 << 30))
            outTimestamp = lastOutgoingTimestamp &+ step
        } else {
            outTimestamp = initialTimestamp
        }
        timestampDelta = outTimestamp &- timestamp
        previousSSRC = currentSSRC
        currentSSRC = ssrc
        switchedAt = nowNanos
        highestIncoming = extendedSequence
        lastOutgoing = outgoing
        lastOutgoingTimestamp = outTimestamp
        lastSendNanos = nowNanos
        needsKeyframe = false
        return (UInt16(truncatingIfNeeded: outgoing), outTimestamp)
    }

    /// The caller drops a packet of the current source on purpose (padding-only, a temporal layer
    /// the subscriber does not get...): later packets close up so the subscriber sees no gap.
    /// Only packets newer than every packet seen so far can be removed; an older one already has
    /// its place in the outgoing sequence.
    public mutating func drop(extendedSequence: Int64, ssrc: UInt32) {
        guard ssrc == currentSSRC, rangeCount > 0, extendedSequence > highestIncoming else { return }
        let newest = ranges[newestRange]
        if newest.ssrc == ssrc && newest.start == extendedSequence {
            // Consecutive drops: widen the current hole instead of opening a range per packet.
            ranges[newestRange].start = extendedSequence + 1
            ranges[newestRange].offset += 1
        } else {
            pushRange(Range(start: extendedSequence + 1, offset: newest.offset + 1, ssrc: ssrc))
        }
        highestIncoming = extendedSequence
    }

    /// The packets between the newest one seen and `extendedSequence` will never come (the source
    /// resumes after a network outage): from `extendedSequence` on, packets close up so the
    /// subscriber sees no gap, and does not wait or NACK for what no one can resend.
    public mutating func skipGap(before extendedSequence: Int64, ssrc: UInt32) {
        guard ssrc == currentSSRC, rangeCount > 0, extendedSequence > highestIncoming + 1 else { return }
        let missing = extendedSequence - highestIncoming - 1
        pushRange(Range(start: extendedSequence, offset: ranges[newestRange].offset + missing, ssrc: ssrc))
        highestIncoming = extendedSequence - 1
    }

    /// Maps a sequence number from the subscriber's NACK (RFC 4585 §6.2.1) back to the publisher
    /// packet it stood for, or nil if it was never sent or is older than the ranges kept.
    public func origin(ofOutgoing sequenceNumber: UInt16) -> Origin? {
        guard lastSendNanos != nil else { return nil }
        let step = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: lastOutgoing))
        let outgoing = lastOutgoing + Int64(step)
        guard outgoing <= lastOutgoing else { return nil }
        var k = 0
        while k < rangeCount {
            let range = ranges[rangeIndex(back: k)]
            if range.start - range.offset <= outgoing {
                return Origin(ssrc: range.ssrc, extendedSequence: outgoing + range.offset)
            }
            k += 1
        }
        return nil
    }

    /// Just the publisher's extended sequence number for an outgoing one (see `origin(ofOutgoing:)`).
    public func originalSequence(forOutgoing sequenceNumber: UInt16) -> Int64? {
        origin(ofOutgoing: sequenceNumber)?.extendedSequence
    }
}
