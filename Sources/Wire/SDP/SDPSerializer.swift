// RFC 8866 §5: lines are written in the order the grammar fixes (v o s i u e p c b t r z k a,
// then per m-section m i c b k a), each ended with CRLF.

extension SessionDescription: CustomStringConvertible {
    /// The SDP text, CRLF line ends, ending with CRLF.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(2048 + media.count * 2048)
        out.line("v=\(version)")
        out.line("o=\(origin.username) \(origin.sessionID) \(origin.sessionVersion) \(origin.networkType) \(origin.addressType) \(origin.address)")
        out.line("s=\(sessionName)")
        out.lines(otherLines, types: ["i", "u", "e", "p"])
        if let connection { out.line(connection.sdpLine) }
        out.lines(otherLines, types: ["b"])
        for time in timing {
            out.line("t=\(time.start) \(time.stop)")
            for repeatLine in time.repeats { out.line("r=\(repeatLine)") }
        }
        out.lines(otherLines, types: ["z", "k"])
        for attribute in attributes { out.line("a=\(attribute)") }
        for section in media { section.serialize(into: &out) }
        return out
    }

    public var description: String { serialized() }
}

extension MediaDescription {
    func serialize(into out: inout String) {
        var portText = String(port)
        if let portCount { portText += "/\(portCount)" }
        out.line("m=\(kind) \(portText) \(proto) \(formats.joined(separator: " "))")
        out.lines(otherLines, types: ["i"])
        if let connection { out.line(connection.sdpLine) }
        out.lines(otherLines, types: ["b", "k"])
        for attribute in attributes { out.line("a=\(attribute)") }
    }
}

extension ConnectionData {
    var sdpLine: String { "c=\(networkType) \(addressType) \(address)" }
}

extension String {
    fileprivate mutating func line(_ text: String) {
        append(text)
        append("\r\n")
    }

    fileprivate mutating func lines(_ lines: [SDPLine], types: Set<Character>) {
        for line in lines where types.contains(line.type) { self.line("\(line.type)=\(line.value)") }
    }
}
