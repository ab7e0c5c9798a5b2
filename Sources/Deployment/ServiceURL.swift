/// The base URL of an HTTP service in a deployment: `http://host:port` or `https://host:port`.
///
/// Deliberately narrow: an explicit port is required (a deployment file should not depend on
/// which default a client assumes), and no path, query or credentials are allowed (a trailing
/// "/" is tolerated). The host is an IPv4 literal, a bracketed IPv6 literal or a DNS name.
public struct ServiceURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http
        case https
    }

    public let scheme: Scheme
    /// The host as given; an IPv6 literal is stored without its brackets.
    public let host: String
    public let port: Int

    public init(scheme: Scheme, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `http(s)://host:port`; nil when the text is not of that form.
    public init?(_ text: String) {
        guard case .success(let url) = ServiceURL.parse(text) else { return nil }
        self = url
    }

    /// `http://10.0.0.1:8081`, `http://[fd00::1]:8081`: the form to join paths to.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(hostPart):\(port)"
    }

    /// Why a text is not a service URL, in words for an error message.
    struct Problem: Error {
        let reason: String
    }

    static func parse(_ text: String) -> Result<ServiceURL, Problem> {
        let shape = Problem(reason: "must look like http://host:port or https://host:port")
        let lowered = text.lowercased()
        let scheme: Scheme
        var rest: Substring
        if lowered.hasPrefix("http://") {
            scheme = .http
            rest = text.dropFirst("http://".count)
        } else if lowered.hasPrefix("https://") {
            scheme = .https
            rest = text.dropFirst("https://".count)
        } else {
            return .failure(shape)
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }

        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(shape) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let afterHost = rest[rest.index(after: close)...]
            guard afterHost.hasPrefix(":") else {
                return .failure(Problem(reason: "needs an explicit port, like http://[\(host)]:8081"))
            }
            portText = afterHost.dropFirst()
            guard case .v6 = IPAddress(host) else {
                return .failure(Problem(reason: "has \"[\(host)]\", which is not an IPv6 address"))
            }
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                return .failure(Problem(reason: "needs an explicit port, like http://\(rest):8081"))
            }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard isHostName(host) else {
                return .failure(Problem(reason: "has host \"\(host)\", which is neither an IPv4 address nor a DNS name"))
            }
        }
        guard (1...5).contains(portText.count),
              portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText)
        else {
            if portText.contains("/") || portText.contains("?") || portText.contains("#") {
                return .failure(Problem(reason: "must not have a path, query or fragment (only http(s)://host:port)"))
            }
            return .failure(Problem(reason: "has port \"\(portText)\", which is not a number"))
        }
        guard (1...65535).contains(port) else {
            return .failure(Problem(reason: "has port \(port), which is not between 1 and 65535"))
        }
        return .success(ServiceURL(scheme: scheme, host: String(host), port: port))
    }

    /// RFC 1123 §2.1 host names (letters, digits, hyphens; labels of 1–63 characters) and IPv4
    /// literals, which have the same shape.
    private static func isHostName(_ host: Substring) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        let trimmed = host.hasSuffix(".") ? host.dropLast() : host
        return trimmed.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count)
                && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
