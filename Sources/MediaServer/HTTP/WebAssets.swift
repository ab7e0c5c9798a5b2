import Foundation

/// The small try-it page served at `/`: plain HTML, CSS and JavaScript modules, no build step, no CDN.
/// Loaded once from the module's resources at start.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    private let assets: [String: Asset]

    init() {
        var assets: [String: Asset] = [:]
        if let directory = Bundle.module.url(forResource: "Web", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names {
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
                assets[name] = Asset(bytes: [UInt8](data), contentType: Self.contentType(for: name))
            }
        }
        self.assets = assets
    }

    func asset(named name: String) -> Asset? { assets[name] }

    private static func contentType(for name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
