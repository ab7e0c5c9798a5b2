// SDES, PT=202 (RFC 3550 §6.5) and BYE, PT=203 (RFC 3550 §6.6).

public struct SourceDescription: Sendable, Equatable {
    /// SDES item types (RFC 3550 §6.5.1–§6.5.8).
    public enum ItemType {
        public static let cname: UInt8 = 1
        public static let name: UInt8 = 2
        public static let email: UInt8 = 3
        public static let phone: UInt8 = 4
        public static let location: UInt8 = 5
        public static let tool: UInt8 = 6
        public static let note: UInt8 = 7
        public static let priv: UInt8 = 8
    }

    /// One item; `value` is the raw text (UTF-8 per §6.5), at most 255 bytes.
    public struct Item: Sendable, Equatable {
        public var type: UInt8
        public var value: [UInt8]
        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }
        public init(type: UInt8, text: String) { self.init(type: type, value: Array(text.utf8)) }
        public var text: String { String(decoding: value, as: UTF8.self) }
    }

    public struct Chunk: Sendable, Equatable {
        public var ssrc: UInt32
        public var items: [Item]
        public init(ssrc: UInt32, items: [Item]) {
            self.ssrc = ssrc
            self.items = items
        }
        public init(ssrc: UInt32, cname: String) {
            self.init(ssrc: ssrc, items: [Item(type: ItemType.cname, text: cname)])
        }
        public var cname: String? { items.first(where: { $0.type == ItemType.cname })?.text }
    }

    public var chunks: [Chunk]
    public init(chunks: [Chunk]) { self.chunks = chunks }

    static func parse(count: UInt8, body: ArraySlice<UInt8>) throws(RTCPError) -> SourceDescription {
        var reader = RTCPReader(body)
        var chunks: [Chunk] = []
        for _ in 0..<count {
            var chunk = Chunk(ssrc: try reader.read32(), items: [])
            while true {
                let type = try reader.read8()
                if type == 0 {
                    // End of list: skip the null octets up to the next 32-bit boundary (§6.5).
                    let used = reader.position - body.startIndex
                    try reader.skip((4 - used % 4) % 4)
                    break
                }
                let length = Int(try reader.read8())
                chunk.items.append(Item(type: type, value: Array(try reader.readBytes(length))))
            }
            chunks.append(chunk)
        }
        return SourceDescription(chunks: chunks)
    }

    func serialize(into out: inout [UInt8]) {
        let chunks = self.chunks.prefix(31)
        var body: [UInt8] = []
        for chunk in chunks {
            rtcpAppend32(&body, chunk.ssrc)
            for item in chunk.items where item.type != 0 {
                let value = item.value.prefix(255)
                body.append(item.type)
                body.append(UInt8(value.count))
                body.append(contentsOf: value)
            }
            // At least one null octet, then pad to 32 bits (§6.5).
            body.append(0)
            while body.count % 4 != 0 { body.append(0) }
        }
        rtcpAppendHeader(&out, count: UInt8(chunks.count), packetType: RTCPPacketType.sourceDescription,
                         byteCount: 4 + body.count)
        out.append(contentsOf: body)
    }
}

/// BYE, PT=203 (RFC 3550 §6.6).
public struct Goodbye: Sendable, Equatable {
    public var ssrcs: [UInt32]
    /// Optional reason for leaving, at most 255 bytes of UTF-8.
    public var reason: String?

    public init(ssrcs: [UInt32], reason: String? = nil) {
        self.ssrcs = ssrcs
        self.reason = reason
    }

    static func parse(count: UInt8, body: ArraySlice<UInt8>) throws(RTCPError) -> Goodbye {
        var reader = RTCPReader(body)
        var bye = Goodbye(ssrcs: [])
        for _ in 0..<count { bye.ssrcs.append(try reader.read32()) }
        if reader.remaining > 0 {
            let length = Int(try reader.read8())
            // Bytes that are not UTF-8 become U+FFFD, three bytes each: cut back to the limit so
            // the reason serializes whole and parses back the same.
            bye.reason = Goodbye.fitted(String(decoding: try reader.readBytes(length), as: UTF8.self))
        }
        return bye
    }

    static let maximumReasonBytes = 255

    /// The longest prefix of `reason` whose UTF-8 fits the length byte, cut between scalars (a
    /// cut inside one would send bytes that are not UTF-8).
    static func fitted(_ reason: String) -> String {
        var byteCount = 0
        var end = reason.unicodeScalars.startIndex
        for index in reason.unicodeScalars.indices {
            byteCount += UTF8.width(reason.unicodeScalars[index])
            guard byteCount <= maximumReasonBytes else { break }
            end = reason.unicodeScalars.index(after: index)
        }
        return String(reason.unicodeScalars[..<end])
    }

    func serialize(into out: inout [UInt8]) {
        let ssrcs = self.ssrcs.prefix(31)
        var body: [UInt8] = []
        for ssrc in ssrcs { rtcpAppend32(&body, ssrc) }
        if let reason {
            let text = Array(Goodbye.fitted(reason).utf8)
            body.append(UInt8(text.count))
            body.append(contentsOf: text)
            while body.count % 4 != 0 { body.append(0) }
        }
        rtcpAppendHeader(&out, count: UInt8(ssrcs.count), packetType: RTCPPacketType.goodbye, byteCount: 4 + body.count)
        out.append(contentsOf: body)
    }
}
