// RFC 8866 §5: an SDP text is `<type>=<value>` lines. The session part starts with v=, o=, s=;
// each m= line starts a media section that runs to the next m= line.

extension SessionDescription {
    /// Parses an SDP text (CRLF or LF line ends; blank lines are skipped). Throws
    /// `SDPError.malformed(line:reason:)` naming the first offending line. Besides the line
    /// structure it checks the attributes WebRTC relies on (rtpmap, fmtp, rtcp-fb, extmap,
    /// candidate, fingerprint, setup, ssrc, ssrc-group, group, mid, rid, simulcast, msid), so an
    /// accepted description gives sensible values through the typed accessors.
    public static func parse(_ text: String) throws(SDPError) -> SessionDescription {
        var parser = SDPParser()
        var lineNumber = 0
        var lastLine = 1
        // Lines are found on the UTF-8 view: cheaper than Character iteration, and "\r\n" is a
        // single Character in Swift, which a Character split would have to special-case.
        let utf8 = text.utf8
        var lineStart = utf8.startIndex
        while lineStart < utf8.endIndex || lineNumber == 0 {
            lineNumber += 1
            let newline = utf8[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            var lineEnd = newline
            if lineEnd > lineStart, utf8[utf8.index(before: lineEnd)] == UInt8(ascii: "\r") {
                lineEnd = utf8.index(before: lineEnd)
            }
            let line = text[lineStart..<lineEnd]
            lineStart = newline < utf8.endIndex ? utf8.index(after: newline) : utf8.endIndex
            if line.isEmpty { continue }
            lastLine = lineNumber
            try parser.consume(line, number: lineNumber)
        }
        return try parser.finish(lastLine: lastLine)
    }
}

/// The sequential state of one parse: what the session part has seen so far, and the media
/// section being filled.
private struct SDPParser {
    var version: Int?
    var origin: Origin?
    var sessionName: String?
    var connection: ConnectionData?
    var timing: [Timing] = []
    var otherLines: [SDPLine] = []
    var attributes: [SDPAttribute] = []
    var media: [MediaDescription] = []

    /// Types RFC 8866 §5 allows only in the session part, and in each media section.
    static let sessionOnlyTypes: Set<Character> = ["v", "o", "s", "u", "e", "p", "t", "r", "z"]
    static let keptAsText: Set<Character> = ["i", "u", "e", "p", "b", "z", "k"]

    mutating func consume(_ line: Substring, number: Int) throws(SDPError) {
        func fail(_ reason: String) -> SDPError { .malformed(line: number, reason: reason) }

        guard line.count >= 2, let type = line.first, line[line.index(after: line.startIndex)] == "=",
              type.isASCII, type.isLowercase
        else {
            throw fail("expected '<letter>=<value>', got '\(line.prefix(40))'")
        }
        let value = line.dropFirst(2)
        if value.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "\r") }) {
            throw fail("control character in value")
        }

        // The first line must be v= (RFC 8866 §5), then o= and s= in that order.
        if version == nil {
            guard type == "v" else { throw fail("SDP must start with 'v=', got '\(type)='") }
            guard value == "0" else { throw fail("unsupported SDP version '\(value)'") }
            version = 0
            return
        }
        if origin == nil {
            guard type == "o" else { throw fail("expected 'o=' after 'v=', got '\(type)='") }
            origin = try Self.parseOrigin(value, fail)
            return
        }
        if sessionName == nil {
            guard type == "s" else { throw fail("expected 's=' after 'o=', got '\(type)='") }
            sessionName = String(value)
            return
        }

        if type == "m" {
            media.append(try Self.parseMediaLine(value, fail))
            return
        }

        if !media.isEmpty {
            if Self.sessionOnlyTypes.contains(type) {
                throw fail("'\(type)=' is only allowed before the first m= line")
            }
            let index = media.count - 1
            switch type {
            case "c":
                guard media[index].connection == nil else { throw fail("second 'c=' in an m-section") }
                media[index].connection = try Self.parseConnection(value, fail)
            case "a":
                let attribute = SDPAttribute(line: value)
                try AttributeValidator.validate(attribute, fail)
                media[index].attributes.append(attribute)
            case "i", "b", "k":
                media[index].otherLines.append(SDPLine(type: type, value: String(value)))
            default:
                throw fail("unknown line type '\(type)='")
            }
            return
        }

        switch type {
        case "v", "o", "s":
            throw fail("duplicate '\(type)=' line")
        case "c":
            guard connection == nil else { throw fail("second session-level 'c='") }
            connection = try Self.parseConnection(value, fail)
        case "t":
            let parts = value.split(separator: " ")
            guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else {
                throw fail("'t=' needs '<start> <stop>' as numbers")
            }
            timing.append(Timing(start: String(parts[0]), stop: String(parts[1])))
        case "r":
            guard !timing.isEmpty else { throw fail("'r=' without a preceding 't='") }
            timing[timing.count - 1].repeats.append(String(value))
        case "a":
            let attribute = SDPAttribute(line: value)
            try AttributeValidator.validate(attribute, fail)
            attributes.append(attribute)
        default:
            guard Self.keptAsText.contains(type) else { throw fail("unknown line type '\(type)='") }
            otherLines.append(SDPLine(type: type, value: String(value)))
        }
    }

    func finish(lastLine: Int) throws(SDPError) -> SessionDescription {
        guard version != nil else { throw .malformed(line: lastLine, reason: "empty SDP: no 'v=' line") }
        guard let origin else { throw .malformed(line: lastLine, reason: "truncated SDP: no 'o=' line") }
        guard let sessionName else { throw .malformed(line: lastLine, reason: "truncated SDP: no 's=' line") }
        guard !timing.isEmpty else { throw .malformed(line: lastLine, reason: "SDP has no 't=' line") }
        return SessionDescription(
            version: 0, origin: origin, sessionName: sessionName, connection: connection, timing: timing,
            otherLines: otherLines, attributes: attributes, media: media)
    }

    // MARK: Structured lines

    static func parseOrigin(_ value: Substring, _ fail: (String) -> SDPError) throws(SDPError) -> Origin {
        let parts = value.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ !$0.isEmpty }) else {
            throw fail("'o=' needs 6 fields: <username> <sess-id> <sess-version> <nettype> <addrtype> <address>")
        }
        guard parts[1].allSatisfy(\.isASCIIDigit), parts[2].allSatisfy(\.isASCIIDigit) else {
            throw fail("'o=' session id and version must be numbers")
        }
        return Origin(
            username: String(parts[0]), sessionID: String(parts[1]), sessionVersion: String(parts[2]),
            networkType: String(parts[3]), addressType: String(parts[4]), address: String(parts[5]))
    }

    static func parseConnection(_ value: Substring, _ fail: (String) -> SDPError) throws(SDPError) -> ConnectionData {
        let parts = value.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw fail("'c=' needs '<nettype> <addrtype> <address>'")
        }
        return ConnectionData(networkType: String(parts[0]), addressType: String(parts[1]), address: String(parts[2]))
    }

    static func parseMediaLine(_ value: Substring, _ fail: (String) -> SDPError) throws(SDPError) -> MediaDescription {
        let parts = value.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts.allSatisfy({ !$0.isEmpty }) else {
            throw fail("'m=' needs '<media> <port> <proto> <fmt> ...'")
        }
        let portField = parts[1]
        var portCount: Int?
        var portText = portField
        if let slash = portField.firstIndex(of: "/") {
            portText = portField[..<slash]
            guard let count = Int(portField[portField.index(after: slash)...]), count > 0 else {
                throw fail("'m=' port count '\(portField)' is not a positive number")
            }
            portCount = count
        }
        guard let port = UInt16(portText) else {
            throw fail("'m=' port '\(portField)' is not 0-65535")
        }
        return MediaDescription(
            kind: String(parts[0]), port: port, portCount: portCount, proto: String(parts[2]),
            formats: parts[3...].map(String.init), connection: nil)
    }
}
