import Hummingbird
import NIOCore

/// The request context of every Cascade listener: Hummingbird's basic one plus the client's
/// address, which zone selection and the per-address session limit need.
public struct ClientRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
