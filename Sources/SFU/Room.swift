/// A room: the publications in it and the subscriptions to them. All on one worker's loop.
/// Mediasoup calls this a Router.
public final class Room {
    public let name: String
    public private(set) var publications: [String: Publication] = [:]
    public private(set) var subscriptions: [String: Subscription] = [:]

    public init(name: String) {
        self.name = name
    }

    public var isEmpty: Bool { publications.isEmpty && subscriptions.isEmpty }

    public func add(_ publication: Publication) {
        publications[publication.id] = publication
    }

    /// Removes a publication and returns the subscriptions that were watching it: their
    /// tracks have ended, and the caller closes their transports.
    @discardableResult
    public func remove(publication id: String) -> [Subscription] {
        guard let publication = publications.removeValue(forKey: id) else { return [] }
        publication.close()
        return subscriptions.values.filter { $0.publicationID == id }
    }

    /// Attaches each subscriber track to the publication's track of the same kind.
    public func add(_ subscription: Subscription, to publication: Publication, nowNanos: UInt64) {
        subscriptions[subscription.id] = subscription
        for track in subscription.tracks {
            if let source = publication.track(kind: track.codec.kind) {
                track.attach(to: source, nowNanos: nowNanos)
            }
        }
    }

    /// Whether any subscription in the room watches `publication` (a relay nobody watches is
    /// released).
    public func isWatched(publication id: String) -> Bool {
        subscriptions.values.contains { $0.publicationID == id }
    }

    public func remove(subscription id: String) {
        subscriptions.removeValue(forKey: id)?.close()
    }
}
