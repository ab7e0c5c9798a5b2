import ICE
import STUN

/// The ICE side of a peer connection: checks in, answers and checks out, the selected path, and
/// ICE restart (RFC 8445 §9).
extension PeerConnection {
    func receiveSTUN(_ bytes: [UInt8], from source: TransportAddress, mappedAddress: TransportAddress?,
                     nowNanos: UInt64, into output: inout Output) {
        switch iceRole {
        case .lite:
            guard var agent = lite else { return }
            lite = nil  // moved out so the agent is mutated without a copy of its tables
            let wasRestarting = agent.isRestarting
            let previousUfrag = agent.previousUfrag
            let result = agent.handleBindingRequest(bytes, from: source, mappedAddress: mappedAddress, nowNanos: nowNanos)
            lite = agent
            if let response = result.response {
                // RFC 8445 §7.2.5.2.1: answer to the request's source, from where it arrived.
                output.datagrams.append(Datagram(bytes: response, to: source))
            }
            for event in result.events {
                switch event {
                case .tupleValidated(let tuple):
                    output.events.append(.pathValidated(tuple))
                case .selectedTupleChanged(let tuple):
                    // Provisional on the first authenticated tuple, then the highest-priority
                    // nominated one (INTEROP-NOTES §2).
                    select(tuple, into: &output)
                    pathChosen(nowNanos: nowNanos, into: &output)
                }
            }
            if wasRestarting, !agent.isRestarting, let previousUfrag {
                output.events.append(.restartCompleted(previousUfrag: previousUfrag))
            }
        case .controlling:
            guard let result = controlling?.handle(bytes, from: source, nowNanos: nowNanos) else { return }
            apply(result, nowNanos: nowNanos, into: &output)
        }
    }

    func apply(_ result: ICEControllingAgent.Output, nowNanos: UInt64, into output: inout Output) {
        output.datagrams.append(contentsOf: result.outgoing)
        for event in result.events {
            switch event {
            case .connected(let remote):
                select(remote, into: &output)
                pathChosen(nowNanos: nowNanos, into: &output)
            case .failed(.consentExpired):
                close(.consentExpired, sendCloseNotify: false, into: &output)
            case .failed(let reason):
                close(.iceFailed(reason), sendCloseNotify: false, into: &output)
            }
        }
    }

    /// RFC 8445 §9: new ICE credentials on both sides, same DTLS association and SRTP keys, so
    /// media carries on over the old path until ICE has a new one (a laptop moving from Wi-Fi to
    /// cable keeps its call). The DTLS fingerprint in `remote` is not looked at.
    ///
    /// Lite: checks with the old credentials are still answered until the first check with the
    /// new ones (`restartCompleted`). Controlling: a new agent checks `remote.candidates` and
    /// media moves to the pair it nominates.
    public func restartICE(localCredentials: ICECredentials = .random(), remote: RemoteParameters, nowNanos: UInt64,
                           into output: inout Output) {
        guard !isClosed, state != .new else { return }
        self.localCredentials = localCredentials
        switch iceRole {
        case .lite:
            lite?.restart(local: localCredentials, remoteUfrag: remote.ufrag, remotePassword: remote.password)
        case .controlling:
            var agent = makeControllingAgent(local: localCredentials, remote: remote)
            let checks = agent.start(nowNanos: nowNanos)
            controlling = agent
            output.datagrams.append(contentsOf: checks)
        }
    }

    /// The ufrag of the credentials replaced by a restart that has not completed yet.
    public var restartingFromUfrag: String? { lite?.previousUfrag }
}
