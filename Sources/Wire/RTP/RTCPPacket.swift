// One RTCP packet of any supported type, and compound packets (RFC 3550 §6.1; reduced-size
// RTCP, RFC 5506 §3: a compound may hold a single feedback packet with no SR/RR first).

public enum RTCPPacket: Sendable, Equatable {
    case senderReport(SenderReport)
    case receiverReport(ReceiverReport)
    case sourceDescription(SourceDescription)
    case goodbye(Goodbye)
    case genericNACK(GenericNACK)
    case pictureLossIndication(PictureLossIndication)
    case fullIntraRequest(FullIntraRequest)
    case remb(ReceiverEstimatedMaxBitrate)
    case transportCC(TransportCCFeedback)
    /// Any other packet (APP, XR, TMMBR, non-REMB application feedback...), or a packet of a
    /// known type whose body is malformed. `bytes` is the whole packet including its 4-byte
    /// header, so it re-serializes verbatim.
    case unknown(packetType: UInt8, format: UInt8, bytes: [UInt8])

    /// Appends this packet's wire form to `out`.
    public func serialize(into out: inout [UInt8]) {
        switch self {
        case .senderReport(let p): p.serialize(into: &out)
        case .receiverReport(let p): p.serialize(into: &out)
        case .sourceDescription(let p): p.serialize(into: &out)
        case .goodbye(let p): p.serialize(into: &out)
        case .genericNACK(let p): p.serialize(into: &out)
        case .pictureLossIndication(let p): p.serialize(into: &out)
        case .fullIntraRequest(let p): p.serialize(into: &out)
        case .remb(let p): p.serialize(into: &out)
        case .transportCC(let p): p.serialize(into: &out)
        case .unknown(_, _, let bytes): out.append(contentsOf: bytes)
        }
    }

    /// Decodes one packet given its header fields, its body (after the header, padding removed)
    /// and its full bytes (for `.unknown`).
    static func decode(packetType: UInt8, count: UInt8, body: ArraySlice<UInt8>,
                       whole: ArraySlice<UInt8>) throws(RTCPError) -> RTCPPacket {
        switch (packetType, count) {
        case (RTCPPacketType.senderReport, _):
            return .senderReport(try SenderReport.parse(count: count, body: body))
        case (RTCPPacketType.receiverReport, _):
            return .receiverReport(try ReceiverReport.parse(count: count, body: body))
        case (RTCPPacketType.sourceDescription, _):
            return .sourceDescription(try SourceDescription.parse(count: count, body: body))
        case (RTCPPacketType.goodbye, _):
            return .goodbye(try Goodbye.parse(count: count, body: body))
        case (RTCPPacketType.transportFeedback, GenericNACK.format):
            return .genericNACK(try GenericNACK.parse(body: body))
        case (RTCPPacketType.transportFeedback, TransportCCFeedback.format):
            return .transportCC(try TransportCCFeedback.parse(body: body))
        case (RTCPPacketType.payloadFeedback, PictureLossIndication.format):
            return .pictureLossIndication(try PictureLossIndication.parse(body: body))
        case (RTCPPacketType.payloadFeedback, FullIntraRequest.format):
            return .fullIntraRequest(try FullIntraRequest.parse(body: body))
        case (RTCPPacketType.payloadFeedback, ReceiverEstimatedMaxBitrate.format)
            where ReceiverEstimatedMaxBitrate.matches(body: body):
            return .remb(try ReceiverEstimatedMaxBitrate.parse(body: body))
        default:
            return .unknown(packetType: packetType, format: count, bytes: Array(whole))
        }
    }
}

public enum RTCPCompound {
    /// Parses every packet in a (possibly reduced-size) compound RTCP packet.
    ///
    /// A bad common header (version, length, padding) throws: the rest cannot be located. A
    /// packet of a known type whose body does not parse comes back as `.unknown` and parsing
    /// continues, as libwebrtc's RTCPReceiver skips invalid blocks, so one bad TWCC does not
    /// hide the PLI next to it. Use `parseStrict` to get the body error instead.
    public static func parse(_ bytes: [UInt8]) throws(RTCPError) -> [RTCPPacket] {
        try parse(bytes, strict: false)
    }

    /// Like `parse`, but a malformed body of a known type throws.
    public static func parseStrict(_ bytes: [UInt8]) throws(RTCPError) -> [RTCPPacket] {
        try parse(bytes, strict: true)
    }

    static func parse(_ bytes: [UInt8], strict: Bool) throws(RTCPError) -> [RTCPPacket] {
        var packets: [RTCPPacket] = []
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            guard available >= 4 else { throw .truncated(needed: 4, available: available) }
            let b0 = bytes[offset]
            guard b0 >> 6 == 2 else { throw .badVersion(b0 >> 6) }
            let packetType = bytes[offset + 1]
            let length = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard length <= available else { throw .badLength }
            let end = offset + length
            var bodyEnd = end
            if b0 & 0x20 != 0 {
                // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
                let paddingCount = Int(bytes[end - 1])
                guard paddingCount > 0, paddingCount <= length - 4 else { throw .badLength }
                bodyEnd -= paddingCount
            }
            do {
                packets.append(try RTCPPacket.decode(packetType: packetType, count: b0 & 0x1F,
                                                     body: bytes[(offset + 4)..<bodyEnd], whole: bytes[offset..<end]))
            } catch {
                if strict { throw error }
                packets.append(.unknown(packetType: packetType, format: b0 & 0x1F, bytes: Array(bytes[offset..<end])))
            }
            offset = end
        }
        return packets
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RTCPError) -> [RTCPPacket] {
        try parse(Array(bytes))
    }

    /// Serializes the packets back to back. Compound-packet rules (SR/RR first, SDES with
    /// CNAME; RFC 3550 §6.1) are the caller's choice: reduced-size RTCP omits them (RFC 5506).
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(packets.count * 32)
        for packet in packets { packet.serialize(into: &out) }
        return out
    }

    /// RFC 5761 §4: on a muxed port, a packet whose second byte (M bit + PT) is 192...223 is RTCP
    /// (RTP payload types 64–95 are avoided so this never collides). Also requires version 2.
    public static func isRTCP(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= 2 else { return false }
        return isRTCP(firstByte: packet[0], secondByte: packet[1])
    }

    public static func isRTCP(firstByte: UInt8, secondByte: UInt8) -> Bool {
        firstByte >> 6 == 2 && (192...223).contains(secondByte)
    }
}
