import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The HTTP API of one server under test (WHIP/WHEP, `/healthz`, `/metrics`), over
/// AsyncHTTPClient. Requests are few and outside the measured path.
struct NodeHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var bodyText: String

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    let client: HTTPClient
    let host: String
    let port: Int
    /// A service token, for `/metrics` (only an operator may read it).
    let serviceToken: String

    static let timeout = TimeAmount.seconds(10)
    static let maximumBodyBytes = 16 << 20

    func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [],
                 body: [UInt8] = []) async throws -> Response {
        var request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == .POST { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: Self.timeout)
        let bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
        return Response(status: Int(response.status.code), headers: response.headers,
                        bodyText: String(buffer: bytes))
    }
}
