/// Where the control role (accounts, signaling, web app) is reached.
public struct ControlEntry: Sendable, Equatable {
    /// Base URL of the control role. `cascade control` binds to its host and port unless told
    /// otherwise on the command line.
    public var url: ServiceURL

    public init(url: ServiceURL) {
        self.url = url
    }
}
