// VP9 RTP payload descriptor (RFC 9628, formerly draft-ietf-payload-vp9, §4.2).
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |I|P|L|F|B|E|V|Z| (REQUIRED)
//  I:   |M| PICTURE ID  | (REQUIRED)  M=1: 15-bit picture id
//  M:   | EXTENDED PID  | (RECOMMENDED)
//  L:   |  TID  |U| SID |D| (CONDITIONALLY RECOMMENDED)
//       |   TL0PICIDX   | (CONDITIONALLY REQUIRED: L and F=0)
//  P,F: | P_DIFF      |N| (CONDITIONALLY REQUIRED, up to 3 times)
//  V:   | SS            | (scalability structure, not parsed)

public struct VP9PayloadDescriptor: Sendable, Equatable {
    /// P: inter-picture predicted.
    public var interPicturePredicted: Bool
    /// F: flexible mode.
    public var flexibleMode: Bool
    /// B: start of a frame.
    public var beginningOfFrame: Bool
    /// E: end of a frame.
    public var endOfFrame: Bool
    /// V: scalability structure present.
    public var hasScalabilityStructure: Bool
    /// Z: not used as a reference for upper spatial layers.
    public var notReferenceForUpperSpatialLayer: Bool
    public var pictureID: UInt16?
    public var pictureIDIs15Bit: Bool
    public var temporalLayer: UInt8?
    public var switchingUpPoint: Bool
    public var spatialLayer: UInt8?
    /// D: inter-layer dependency.
    public var interLayerDependency: Bool
    public var tl0PicIdx: UInt8?

    /// P=0, B=1 and spatial layer 0 (mediasoup VP9.cpp): the first packet of a key picture.
    public var isKeyframe: Bool {
        !interPicturePredicted && beginningOfFrame && (spatialLayer ?? 0) == 0
    }

    /// Parses the fixed fields up to (not including) the P_DIFF and SS parts, which the
    /// forwarding decision does not need.
    public static func parse(_ payload: UnsafeRawBufferPointer) -> VP9PayloadDescriptor? {
        let count = payload.count
        guard count >= 1 else { return nil }
        let b0 = payload[0]
        var d = VP9PayloadDescriptor(
            interPicturePredicted: b0 & 0x40 != 0, flexibleMode: b0 & 0x10 != 0, beginningOfFrame: b0 & 0x08 != 0,
            endOfFrame: b0 & 0x04 != 0, hasScalabilityStructure: b0 & 0x02 != 0,
            notReferenceForUpperSpatialLayer: b0 & 0x01 != 0, pictureID: nil, pictureIDIs15Bit: false,
            temporalLayer: nil, switchingUpPoint: false, spatialLayer: nil, interLayerDependency: false,
            tl0PicIdx: nil)
        var i = 1
        if b0 & 0x80 != 0 {  // I
            guard i < count else { return nil }
            if payload[i] & 0x80 != 0 {
                guard i + 1 < count else { return nil }
                d.pictureID = UInt16(payload[i] & 0x7F) << 8 | UInt16(payload[i + 1])
                d.pictureIDIs15Bit = true
                i += 2
            } else {
                d.pictureID = UInt16(payload[i])
                i += 1
            }
        }
        if b0 & 0x20 != 0 {  // L
            guard i < count else { return nil }
            let layer = payload[i]
            d.temporalLayer = layer >> 5
            d.switchingUpPoint = layer & 0x10 != 0
            d.spatialLayer = (layer >> 1) & 0x07
            d.interLayerDependency = layer & 0x01 != 0
            i += 1
            if !d.flexibleMode {
                guard i < count else { return nil }
                d.tl0PicIdx = payload[i]
                i += 1
            }
        }
        return d
    }
}
