import Foundation
import Hummingbird

/// How the web app is served. Every response carries the same strict Content-Security-Policy
/// (the app has no inline script or style and needs nothing from other origins: WebTests/
/// pages.test.mjs keeps it so), `nosniff` and `no-referrer`. Nothing is cached without asking:
/// the files have no fingerprinted names (there is no build step), so every use revalidates
/// (`no-cache`) and an unchanged file costs a `304 Not Modified` without a body.
extension MeetingAssets {
    /// CSP Level 3. `ws:`/`wss:` because a bare 'self' did not match WebSocket URLs in older
    /// browsers; `data:` images for the inline favicon; `blob:` for media the app may create.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self' blob:", "connect-src 'self' ws: wss:", "object-src 'none'", "base-uri 'none'",
        "frame-ancestors 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    /// Not among swift-http-types' predefined names (HTTPField is reached through HTTPFields: this
    /// module imports Hummingbird only).
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    /// The headers of a 200 for `asset`, which a 304 repeats (RFC 9110 §15.4.5: a 304 carries the
    /// Cache-Control and ETag a 200 would).
    static func headers(for asset: Asset) -> HTTPFields {
        [
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            .eTag: asset.etag,
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            referrerPolicy: "no-referrer",
        ]
    }

    /// The response for the file `name`, or nil when the app has no such file. `ifNoneMatch` is
    /// the request's If-None-Match field: a match answers 304.
    func response(named name: String, ifNoneMatch: String?) -> Response? {
        guard let asset = asset(named: name) else { return nil }
        var headers = Self.headers(for: asset)
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: asset.etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// RFC 9110 §13.1.2: If-None-Match is `*` or a list of entity tags, compared weakly (a `W/`
    /// prefix on either side is ignored).
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        let opaque = { (tag: Substring) -> Substring in
            let trimmed = Substring(tag.trimmingCharacters(in: .whitespaces))
            return trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
        }
        let ours = opaque(Substring(etag))
        return ifNoneMatch.split(separator: ",").contains { candidate in
            let tag = opaque(candidate)
            return tag == "*" || tag == ours
        }
    }
}
