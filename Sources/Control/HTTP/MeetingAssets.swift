import Crypto
import Foundation

/// The meeting web app (Sources/Control/Web: plain HTML, CSS and JavaScript modules, no build
/// step, no CDN), read once from the module's resources at start and served from memory, so a
/// request can never reach a file outside the app. How it is served (headers, revalidation):
/// MeetingAssetResponses.swift.
struct MeetingAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        /// A strong validator (RFC 9110 §8.8.3): the SHA-256 of the bytes, quoted. Computed once at
        /// load; a changed file means a new process, hence a new tag.
        let etag: String

        init(bytes: [UInt8], contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            self.etag = "\"" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    private let assets: [String: Asset]

    /// Loads every file under `directory`, by its path relative to it ("style.css", "img/a.svg").
    init(directory: URL?) {
        var assets: [String: Asset] = [:]
        if let directory, let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) {
            let base = directory.standardizedFileURL.path
            for case let url as URL in enumerator {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                      let data = FileManager.default.contents(atPath: url.path) else { continue }
                var relative = url.standardizedFileURL.path
                guard relative.hasPrefix(base) else { continue }
                relative.removeFirst(base.count)
                while relative.hasPrefix("/") { relative.removeFirst() }
                assets[relative] = Asset(bytes: [UInt8](data), contentType: Self.contentType(for: relative))
            }
        }
        self.assets = assets
    }

    /// The app bundled with this module.
    static func bundled() -> MeetingAssets {
        MeetingAssets(directory: Bundle.module.url(forResource: "Web", withExtension: nil))
    }

    func asset(named name: String) -> Asset? { assets[name] }

    var names: [String] { assets.keys.sorted() }

    static func contentType(for name: String) -> String {
        switch name.split(separator: ".").last?.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json", "map": "application/json"
        case "webmanifest": "application/manifest+json"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
