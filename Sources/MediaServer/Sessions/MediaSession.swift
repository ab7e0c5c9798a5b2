import Foundation
import ICE
import MediaAPI
import RTP
import SDP

/// A WHIP publish or WHEP playback session on a worker: one transport, the answer it was given,
/// and its SFU side (the subclasses). Lives on the worker's loop.
class MediaSession: PeerTransportDelegate {
    let id: String
    let room: String
    let transport: PeerTransport
    unowned let worker: MediaWorker
    /// The answer as last sent; an ICE restart sends it again with new credentials. Kept as
    /// text, not the parsed description: a few hundred sessions per worker each hold one, the
    /// text is the smaller form, and only a restart (rare) needs to parse it again.
    private(set) var answerSDP: String
    /// RFC 9725 §4.3.1: strong, changed by every ICE restart.
    private(set) var etag: String
    /// What this session counts against the node's `SessionLimits`; given back when it ends.
    var quotaTicket: SessionQuota.Ticket?

    init(id: String, room: String, transport: PeerTransport, answer: SessionDescription, worker: MediaWorker) {
        self.id = id
        self.room = room
        self.transport = transport
        self.answerSDP = answer.serialized()
        self.etag = Self.newTag()
        self.worker = worker
        transport.delegate = self
    }

    static func newTag() -> String { "\"\(randomToken(length: 16))\"" }

    var sessionAnswer: SessionAnswer {
        SessionAnswer(sessionID: id, answerSDP: answerSDP, etag: etag)
    }

    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64) {
        transport.tick(nowNanos: nowNanos)
    }

    func close(reason: String) {
        transport.close(reason: reason)
    }

    // MARK: - ICE (WHIP/WHEP PATCH, RFC 9725 §4.4)

    /// `If-Match: "*"` with new client credentials restarts ICE (§4.4.2): new server credentials,
    /// the same DTLS and SRTP, so media moves to the client's new path without publishing again.
    /// Otherwise the PATCH trickles candidates, which an ICE-lite server does not need (§4.4.1);
    /// it must still name this version of the session.
    func updateICE(_ request: ICEUpdateRequest) throws(MediaError) -> ICEUpdateAnswer {
        guard let ifMatch = request.ifMatch else {
            throw .preconditionRequired("a PATCH needs If-Match: the session's ETag, or \"*\" for an ICE restart")
        }
        let fragment: ICEFragment
        do { fragment = try ICEFragment.parse(request.fragment) } catch { throw .malformedOffer("\(error)") }
        guard request.isRestart else {
            guard ifMatch.trimmingCharacters(in: .whitespaces) == etag else {
                throw .preconditionFailed("If-Match \(ifMatch) does not name this session's current version \(etag)")
            }
            return ICEUpdateAnswer(etag: etag)
        }
        guard let ufrag = fragment.iceUfrag, let pwd = fragment.icePwd else {
            throw .malformedOffer("an ICE restart needs the client's new a=ice-ufrag and a=ice-pwd")
        }
        let answer: SessionDescription
        do { answer = try SessionDescription.parse(answerSDP) } catch {
            throw .internalFailure("the session's own answer does not parse: \(error)")
        }
        let credentials = ICECredentials.random()
        transport.restartICE(localCredentials: credentials,
                             remote: .init(ufrag: ufrag, password: pwd, fingerprint: ""), nowNanos: MonotonicClock.nowNanos)
        worker.routeUfrag(of: transport)
        let restarted = answer.withICECredentials(ufrag: credentials.ufrag, pwd: credentials.password)
        answerSDP = restarted.serialized()
        etag = Self.newTag()
        transport.logger.info("ICE restart", metadata: ["room": "\(room)"])
        return ICEUpdateAnswer(etag: etag, fragment: restarted.iceFragment(), answerSDP: answerSDP)
    }

    // MARK: - PeerTransportDelegate (the subclasses add their SFU side)

    func transportConnected(_ transport: PeerTransport) {}

    func transport(_ transport: PeerTransport, receivedRTP packet: UnsafeRawBufferPointer, header: RTPHeader, nowNanos: UInt64) {}

    func transport(_ transport: PeerTransport, receivedRTCP packets: [RTCPPacket], nowNanos: UInt64) {}

    func transportClosed(_ transport: PeerTransport, reason: String) {}
}
