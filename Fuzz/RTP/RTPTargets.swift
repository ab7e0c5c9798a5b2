import FuzzSupport

/// `rtp`: one (decrypted) RTP packet as the receive path reads it — header, CSRCs, header
/// extensions, RTX in both directions; `rtp-payload`: the codec payload readers the SFU uses to
/// find key frames and rewrite VP8 picture ids.
public let rtpTargets = [FuzzTarget("rtp", fuzzRTP), FuzzTarget("rtp-payload", fuzzRTPPayload)]
    + rtcpTargets

private func fuzzRTP(_ data: UnsafeRawBufferPointer) {
    _ = RTCPCompound.isRTCP(data)
    guard let header = RTPHeader.parse(data) else {
        require(RTX.originalSequenceNumber(of: data) == nil, "an RTX OSN from a packet that does not parse")
        return
    }
    require(header.payloadOffset + header.payloadLength + header.paddingLength == data.count,
            "header, payload and padding do not add up to the packet")
    require(header.extensionRange.upperBound <= header.payloadOffset, "extensions run into the payload")
    for index in 0..<Int(header.csrcCount) {
        require(header.csrc(at: index, in: data) != nil, "CSRC \(index) of \(header.csrcCount) missing")
    }
    header.forEachExtensionElement(in: data) { id, range in
        require(header.extensionRange.contains(range.lowerBound) || range.isEmpty, "element \(id) outside the block")
        require(range.upperBound <= header.extensionRange.upperBound, "element \(id) overruns the block")
        require(header.extensionElement(id: id, in: data) != nil, "element \(id) walked but not found")
        _ = RTPExtensionValue.transportSequenceNumber(data, range)
        _ = RTPExtensionValue.absSendTime(data, range)
        _ = RTPExtensionValue.audioLevel(data, range)
        _ = RTPExtensionValue.string(data, range)
        _ = RTPExtensionValue.stringEquals(data, range, "0")
        return true
    }

    // RTX there and back gives the original packet less its padding.
    var rtx = [UInt8](repeating: 0, count: data.count + 2)
    let rtxLength = rtx.withUnsafeMutableBytes {
        RTX.build(from: data, rtxSSRC: 0x5254_5821, rtxPayloadType: 97, rtxSequenceNumber: 7, into: $0)
    }
    guard let rtxLength else { fatalError("RTX.build refused a packet that parses") }
    let rtxPacket = Array(rtx[..<rtxLength])
    require(rtxPacket.withUnsafeBytes { RTX.originalSequenceNumber(of: $0) } == header.sequenceNumber, "OSN lost")
    var recovered = [UInt8](repeating: 0, count: rtxLength)
    let recoveredLength = rtxPacket.withUnsafeBytes { packet in
        recovered.withUnsafeMutableBytes {
            RTX.recover(from: packet, originalSSRC: header.ssrc, originalPayloadType: header.payloadType, into: $0)
        }
    }
    guard let recoveredLength else { fatalError("RTX.recover refused what RTX.build wrote") }
    let expected = Array(data[..<(header.payloadOffset + header.payloadLength)])
    var original = Array(recovered[..<recoveredLength])
    original[0] |= data[0] & 0x20  // recover clears P, as the padding is gone
    require(original == expected, "RTX build → recover is not the original packet")
}

private func fuzzRTPPayload(_ data: UnsafeRawBufferPointer) {
    for codec in [VideoCodec.vp8, .vp9, .h264, .av1] { _ = VideoCodec.isKeyframe(codec: codec, payload: data) }
    _ = VP9PayloadDescriptor.parse(data)
    H264Payload.forEachNALStart(in: data) { _ in true }
    AV1AggregationHeader.forEachOBUStart(in: data) { _ in true }
    guard let descriptor = VP8PayloadDescriptor.parse(data) else { return }
    var copy = Array(data)
    // Rewriting to the same values must leave the bytes as they are.
    let rewrote = copy.withUnsafeMutableBytes {
        VP8PayloadDescriptor.rewrite(pictureID: descriptor.pictureID, tl0PicIdx: descriptor.tl0PicIdx, in: $0)
    }
    if rewrote { require(copy == Array(data), "VP8 rewrite to the same ids changed the payload") }
}
