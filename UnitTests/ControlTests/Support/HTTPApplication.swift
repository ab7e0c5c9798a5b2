import Hummingbird
@testable import Control

extension TestServer {
    /// The control plane's HTTP routes as an application, for HummingbirdTesting's `.router` mode
    /// (requests go straight to the router: no sockets).
    func httpApplication() -> some ApplicationProtocol {
        let router = Router()
        control.register(on: router)
        return Application(router: router)
    }
}
