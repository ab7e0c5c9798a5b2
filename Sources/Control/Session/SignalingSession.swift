import Auth
import Logging
import MediaAPI
import Metrics

/// A frame as the transport hands it over.
public enum InboundFrame: Sendable {
    case text(String)
    /// Binary frames are not part of the protocol; only their size matters.
    case binary(byteCount: Int)
    /// A message over the size limit, not kept by the transport.
    case tooLarge(byteCount: Int)
}

/// One participant's socket, between the transport and the room: enforces the limits, decodes,
/// handles `join`, and hands everything else to the room. Replies and events go out through
/// the outbox, in order.
///
/// Frames are handled one at a time, in the order they arrived, so a client's requests take
/// effect in the order it sent them.
actor SignalingSession {
    private enum State {
        case connected
        case joined(Meeting, participantID: String)
        case closed
    }

    nonisolated let outbox: Outbox
    private let service: SignalingService
    private var state: State = .connected
    private var limiter: RateLimiter
    private var logger: Logger

    private let clientAddress: String?
    /// A `join` arrived (it may still be checking the token or placing the participant).
    private var joinReceived = false

    init(service: SignalingService, outbox: Outbox, clientAddress: String? = nil) {
        self.service = service
        self.outbox = outbox
        self.clientAddress = clientAddress
        self.limiter = RateLimiter(ratePerSecond: service.configuration.messagesPerSecond, burst: service.configuration.messageBurst)
        self.logger = service.logger
    }

    var participantID: String? {
        if case .joined(_, let participantID) = state { return participantID }
        return nil
    }

    func receive(_ frame: InboundFrame) async {
        if case .closed = state { return }
        service.messagesCounter.increment()
        let text: String?
        let byteCount: Int
        switch frame {
        case .text(let string):
            text = string
            byteCount = string.utf8.count
        case .binary(let count), .tooLarge(let count):
            text = nil
            byteCount = count
        }
        let fits = byteCount <= service.configuration.maxMessageBytes

        switch limiter.admit(nowNanos: service.clock.nowNanos) {
        case .allow:
            break
        case .reject:
            return send(.rateLimited, "over \(Int(service.configuration.messagesPerSecond)) messages per second; the message was dropped",
                        re: fits ? text.flatMap(Self.requestID) : nil)
        case .rejectAndClose:
            send(.rateLimited, "too many messages over the rate limit; closing", re: fits ? text.flatMap(Self.requestID) : nil)
            return await close(code: SignalingCloseCode.policyViolation, reason: "message rate limit")
        }

        guard fits else {
            return send(.messageTooLarge, "the frame has \(byteCount) bytes; at most \(service.configuration.maxMessageBytes) are accepted", re: nil)
        }
        guard let text else {
            return send(.badJSON, "binary frames are not accepted: send JSON text frames", re: nil)
        }

        let incoming: IncomingMessage
        switch MessageDecoder.decode(text) {
        case .failure(let failure):
            return send(failure.error, re: failure.id)
        case .success(let message):
            incoming = message
        }

        switch state {
        case .closed:
            return
        case .connected:
            guard case .join(let join) = incoming.message else {
                return send(.notJoined, "send 'join' first", re: incoming.id)
            }
            joinReceived = true
            await handleJoin(join, re: incoming.id)
        case .joined(let room, let participantID):
            if case .leave = incoming.message {
                await room.leave(participantID: participantID, connection: outbox)
                return await close(code: SignalingCloseCode.normal, reason: "left")
            }
            await room.handle(incoming, participantID: participantID, connection: outbox)
        }
    }

    /// The transport is gone (closed by either side, or failed).
    /// Called `joinTimeoutSeconds` after the socket opened: one that sent no `join` is closed
    /// (1008), so idle sockets hold no connection slot. Other messages do not count as joining.
    func closeUnlessJoined() async {
        guard case .connected = state, !joinReceived else { return }
        send(.notJoined, "no 'join' within \(Int(service.configuration.joinTimeoutSeconds)) s of connecting; closing", re: nil)
        await close(code: SignalingCloseCode.policyViolation, reason: "join timeout")
    }

    func transportClosed() async {
        let previous = state
        state = .closed
        outbox.finish()
        if case .joined(let room, let participantID) = previous {
            await room.connectionClosed(participantID: participantID, connection: outbox)
        }
    }

    // MARK: - Joining

    private func handleJoin(_ join: JoinMessage, re: RequestID?) async {
        guard join.protocol == SignalingService.protocolVersion else {
            return await fail(SignalingError(.unsupportedProtocol, "this server speaks protocol \(SignalingService.protocolVersion), not \(join.protocol)"), re: re)
        }
        let token: AccessToken
        do throws(TokenError) {
            token = try await service.keys.verify(join.token)
        } catch {
            return await fail(SignalingError(.unauthorized, error.description), re: re)
        }
        guard SignalingService.isValidRoomName(token.room) else {
            return await fail(SignalingError(.unauthorized, "the token's room is not a valid room name"), re: re)
        }
        let request = Meeting.JoinRequest(token: token, name: join.name, resume: join.resume, re: re, clientAddress: clientAddress)
        switch await service.registry.join(request, connection: outbox) {
        case .joined(let room, let participantID):
            state = .joined(room, participantID: participantID)
            logger[metadataKey: "participant"] = "\(participantID)"
        case .refused(let error):
            await fail(error, re: re)
        }
    }

    /// Sends the error, and closes the socket if the error's code says so.
    private func fail(_ error: SignalingError, re: RequestID?) async {
        send(error, re: re)
        if let code = error.code.closeCode {
            await close(code: code, reason: error.code.rawValue)
        }
    }

    private func close(code: UInt16, reason: String) async {
        let previous = state
        state = .closed
        outbox.close(code: code, reason: reason)
        // Closed by the server without `leave` (rate limit): the participant may come back.
        if case .joined(let room, let participantID) = previous, code != SignalingCloseCode.normal {
            await room.connectionClosed(participantID: participantID, connection: outbox)
        }
    }

    private func send(_ code: SignalingErrorCode, _ message: String, re: RequestID?) {
        send(SignalingError(code, message), re: re)
    }

    private func send(_ error: SignalingError, re: RequestID?) {
        service.errorCounter(error.code).increment()
        outbox.send(ErrorReply(re: re, error: error))
    }

    /// The `id` of a frame dropped by the rate limiter, if it is cheap to find.
    private static func requestID(_ text: String) -> RequestID? {
        switch MessageDecoder.decode(text) {
        case .success(let message): message.id
        case .failure(let failure): failure.id
        }
    }
}
