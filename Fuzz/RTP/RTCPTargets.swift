import FuzzSupport

/// `rtcp`: a compound RTCP packet (SR, RR, SDES, BYE and the feedback types side by side), read
/// leniently as the SFU does and strictly. `rtcp-nack`, `rtcp-twcc`, `rtcp-pli`, `rtcp-fir`,
/// `rtcp-remb`: the input is the body of one packet of that feedback type behind a valid common
/// header, so every mutation lands in that type's parser rather than in the header checks.
/// Whatever parses must serialize to bytes that parse to the same packets (a NACK to the same
/// lost sequence numbers: serializing packs them afresh, so a number listed twice is sent once).
let rtcpTargets = [
    FuzzTarget("rtcp", fuzzCompound),
    feedbackTarget("rtcp-nack", packetType: RTCPPacketType.transportFeedback, format: GenericNACK.format),
    feedbackTarget("rtcp-twcc", packetType: RTCPPacketType.transportFeedback, format: TransportCCFeedback.format),
    feedbackTarget("rtcp-pli", packetType: RTCPPacketType.payloadFeedback, format: PictureLossIndication.format),
    feedbackTarget("rtcp-fir", packetType: RTCPPacketType.payloadFeedback, format: FullIntraRequest.format),
    feedbackTarget("rtcp-remb", packetType: RTCPPacketType.payloadFeedback, format: ReceiverEstimatedMaxBitrate.format),
]

private func fuzzCompound(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    if let packets = try? RTCPCompound.parse(bytes) { requireRoundTrip(packets, strict: false) }
    if let packets = try? RTCPCompound.parseStrict(bytes) {
        requireRoundTrip(packets, strict: true)
        require(!packets.isEmpty || bytes.isEmpty, "strict parse of \(bytes.count) bytes found no packet")
    }
}

private func feedbackTarget(_ name: String, packetType: UInt8, format: UInt8) -> FuzzTarget {
    FuzzTarget(name) { data in
        // Common header (RFC 3550 §6.4.1): V=2, no padding, FMT, PT, length in words minus one;
        // the body is the input, zero-padded to whole words, at most what the length field holds.
        var body = Array(data.prefix(4 * 0xFFFF))
        body += [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let words = body.count / 4
        let packet = [0x80 | format, packetType, UInt8(words >> 8), UInt8(words & 0xFF)] + body
        guard let packets = try? RTCPCompound.parseStrict(packet) else { return }
        require(packets.count == 1, "one feedback packet parsed as \(packets.count)")
        requireRoundTrip(packets, strict: true)
    }
}

/// A lenient parse keeps a malformed body of a known type as `.unknown` bytes, which only a
/// lenient parse reads back the same.
private func requireRoundTrip(_ packets: [RTCPPacket], strict: Bool) {
    let bytes = RTCPCompound.serialize(packets)
    guard let again = try? (strict ? RTCPCompound.parseStrict(bytes) : RTCPCompound.parse(bytes)) else {
        fatalError("serialized RTCP does not parse: \(packets) → \(bytes)")
    }
    require(again.map(normalized) == packets.map(normalized), "serialize → parse changed the packets: \(packets) → \(again)")
}

private func normalized(_ packet: RTCPPacket) -> RTCPPacket {
    guard case .genericNACK(var nack) = packet else { return packet }
    nack.lostSequenceNumbers = Set(nack.lostSequenceNumbers).sorted()
    return .genericNACK(nack)
}
