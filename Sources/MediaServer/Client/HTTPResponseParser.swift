/// A complete HTTP/1.1 response, as the small signalling client reads it.
public struct SimpleHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    /// In arrival order; names as sent.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, reason: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The first header with this name (RFC 9110 §5.1: names are case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func == (lhs: SimpleHTTPResponse, rhs: SimpleHTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// Parses an HTTP/1.1 response from the bytes received so far (RFC 9112): status line, header
/// fields, then a body framed by Content-Length, chunked transfer coding (§7.1), or the end of
/// the connection (§6.3 rule 8). Control-rate code: works on `[UInt8]`.
public enum HTTPResponseParser {
    public enum Result: Sendable, Equatable {
        case complete(SimpleHTTPResponse)
        /// More bytes are needed.
        case incomplete
        case malformed(String)
    }

    /// - Parameter atEndOfStream: the connection closed after `bytes`; a body without framing
    ///   ends here.
    public static func parse(_ bytes: [UInt8], atEndOfStream: Bool = false) -> Result {
        guard let headerEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            return atEndOfStream ? .malformed("the connection closed inside the header") : .incomplete
        }
        let headText = String(decoding: bytes[0..<headerEnd], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return .malformed("no status line") }
        let statusLine = lines.removeFirst()
        // RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase]
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            return .malformed("bad status line '\(statusLine)'")
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return .malformed("bad header line '\(line)'") }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            headers.append((name, value))
        }
        var response = SimpleHTTPResponse(status: status, reason: reason, headers: headers, body: [])
        let bodyStart = headerEnd + 4
        let remaining = Array(bytes[bodyStart...])

        // RFC 9112 §6.3: 1xx, 204 and 304 have no body.
        if (100..<200).contains(status) || status == 204 || status == 304 { return .complete(response) }
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            switch decodeChunked(remaining) {
            case .some(.some(let body)):
                response.body = body
                return .complete(response)
            case .some(.none):
                return .malformed("bad chunked body")
            case .none:
                return atEndOfStream ? .malformed("the connection closed inside a chunked body") : .incomplete
            }
        }
        if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { return .malformed("bad Content-Length '\(lengthText)'") }
            guard remaining.count >= length else {
                return atEndOfStream ? .malformed("the connection closed before the body's end") : .incomplete
            }
            response.body = Array(remaining[0..<length])
            return .complete(response)
        }
        guard atEndOfStream else { return .incomplete }
        response.body = remaining
        return .complete(response)
    }

    /// nil: incomplete; .some(nil): malformed; .some(body): complete.
    static func decodeChunked(_ bytes: [UInt8]) -> [UInt8]?? {
        var body: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
                .split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingWhitespace(), radix: 16), size >= 0 else { return .some(nil) }
            index = lineEnd + 2
            if size == 0 {
                // Trailer fields end with an empty line.
                guard find([13, 10], in: bytes, from: index) != nil else { return nil }
                return .some(body)
            }
            guard bytes.count >= index + size + 2 else { return nil }
            body += bytes[index..<(index + size)]
            index += size + 2
        }
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var i = start
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var match = true
                for j in 1..<needle.count where bytes[i + j] != needle[j] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
