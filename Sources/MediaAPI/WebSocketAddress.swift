import Foundation

/// Addresses of the node-to-node WebSockets (uplinks to control, cascade links' channels): the
/// `ws(s)://` URL of an `http(s)://` base, and the query of an upgrade request's path.
public enum WebSocketAddress {
    /// "http://host:port/" → "ws://host:port" (https → wss).
    public static func url(forHTTP base: String) -> String {
        var url = base
        while url.hasSuffix("/") { url.removeLast() }
        if url.hasPrefix("https://") { return "wss://" + url.dropFirst("https://".count) }
        if url.hasPrefix("http://") { return "ws://" + url.dropFirst("http://".count) }
        return url
    }

    /// The query parameters of `path` when its path part is exactly `expected`; nil otherwise.
    public static func query(of path: String, at expected: String) -> [String: String]? {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.first.map(String.init) == expected else { return nil }
        var values: [String: String] = [:]
        guard parts.count == 2 else { return values }
        for pair in parts[1].split(separator: "&") {
            let pieces = pair.split(separator: "=", maxSplits: 1)
            if pieces.count == 2 { values[String(pieces[0])] = String(pieces[1]).removingPercentEncoding }
        }
        return values
    }
}
