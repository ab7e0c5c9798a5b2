/// Bodies of the media API over HTTP that are not requests or answers themselves.
public struct KindSwitch: Codable, Sendable {
    public var kind: TrackKind
    /// `paused` for a subscription, `enabled` for a publication's forwarding.
    public var on: Bool

    public init(kind: TrackKind, on: Bool) {
        self.kind = kind
        self.on = on
    }
}

/// The JSON body of every error the HTTP interface returns.
public struct ErrorBody: Codable, Sendable {
    public var error: String
    public var reason: String

    public init(error: String, reason: String) {
        self.error = error
        self.reason = reason
    }
}
