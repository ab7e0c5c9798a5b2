import Auth

extension TURNCredentials {
    /// The `iceServers` for one participant: one entry with every TURN URL, or none when no
    /// TURN server is configured.
    public func iceServers(participantID: String, nowUnixSeconds: Int64) -> [ICEServer] {
        guard !urls.isEmpty, !secret.isEmpty else { return [] }
        let login = login(for: participantID, nowUnixSeconds: nowUnixSeconds)
        return [ICEServer(urls: urls, username: login.username, credential: login.password)]
    }
}
