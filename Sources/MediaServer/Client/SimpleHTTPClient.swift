import NIOCore
import NIOPosix

/// A minimal HTTP/1.1 client for signalling (WHIP/WHEP POSTs, DELETEs, `/metrics`): one request
/// per TCP connection (`Connection: close`), the whole response collected and parsed by
/// `HTTPResponseParser`. No TLS, no redirects, no pooling: enough for loopback benchmarks and
/// for links between nodes on a private network.
public struct SimpleHTTPClient: Sendable {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case malformedResponse(String)
        case connectionClosed

        public var description: String {
            switch self {
            case .malformedResponse(let reason): "malformed HTTP response: \(reason)"
            case .connectionClosed: "the connection closed before a response arrived"
            }
        }
    }

    public let group: any EventLoopGroup
    public let host: String
    public let port: Int

    public init(group: any EventLoopGroup, host: String, port: Int) {
        self.group = group
        self.host = host
        self.port = port
    }

    public func request(_ method: String, _ path: String, headers: [(String, String)] = [],
                        body: [UInt8] = []) async throws -> SimpleHTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        let requestBytes = Array(head.utf8) + body

        let loop = group.next()
        let promise = loop.makePromise(of: SimpleHTTPResponse.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            // Not connected (a server still starting): the promise must still be completed.
            promise.fail(error)
            throw error
        }
        channel.writeAndFlush(ByteBuffer(bytes: requestBytes), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            _ = try? await channel.close().get()
            return response
        } catch {
            _ = try? await channel.close().get()
            throw error
        }
    }
}

/// Collects bytes until the parser has a whole response or the server closes.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<SimpleHTTPResponse>
    private var received: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<SimpleHTTPResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received += buffer.readableBytesView
        evaluate(atEndOfStream: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        evaluate(atEndOfStream: true)
        if !done {
            done = true
            promise.fail(SimpleHTTPClient.Failure.connectionClosed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    private func evaluate(atEndOfStream: Bool) {
        guard !done else { return }
        switch HTTPResponseParser.parse(received, atEndOfStream: atEndOfStream) {
        case .incomplete:
            return
        case .complete(let response):
            done = true
            promise.succeed(response)
        case .malformed(let reason):
            done = true
            promise.fail(SimpleHTTPClient.Failure.malformedResponse(reason))
        }
    }
}
