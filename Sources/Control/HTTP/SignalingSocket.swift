import HummingbirdWebSocket
import Logging
import NIOCore

/// Joins one WebSocket to a `SignalingSession`: a reader that feeds frames to the session one
/// at a time, and a writer that drains the session's outbox to the socket. Whichever ends first
/// ends the other. Slow or dead sockets overflow the outbox, which closes the channel.
struct SignalingSocket {
    let service: SignalingService
    /// The socket's peer address: it decides the participant's zone and media node.
    var clientAddress: String?

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
             closeTransport: @escaping @Sendable () -> Void, logger: Logger) async {
        let session = service.makeSession(clientAddress: clientAddress)
        let outbox = session.outbox
        outbox.setOverflowHandler {
            logger.notice("signaling socket too slow: outbound queue overflowed; closing it")
            closeTransport()
        }
        let maxBytes = service.configuration.maxMessageBytes
        await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                await Self.write(outbox: outbox, to: outbound, closeTransport: closeTransport)
            }
            group.addTask {
                await Self.read(inbound, maxBytes: maxBytes, into: session)
                return .inboundEnded
            }
            let joinTimeout = service.configuration.joinTimeoutSeconds
            group.addTask {
                try? await Task.sleep(for: .seconds(joinTimeout))
                if !Task.isCancelled { await session.closeUnlessJoined() }  // its close frame ends the writer
                return .joinDeadlinePassed
            }
            var ending = await group.next()
            while ending == .joinDeadlinePassed { ending = await group.next() }
            if ending == .sentClose {
                // RFC 6455 §7.1.1: after our close frame, keep reading until the peer answers
                // with its own (which ends `inbound`). Cancelling the reader now would end the
                // inbound stream at once, and Hummingbird would close the channel with our
                // queued frames and the close frame still unsent: the peer would see 1006.
                group.addTask {
                    try? await Task.sleep(for: Self.closeHandshakeTimeout)
                    return .timedOut
                }
                _ = await group.next()
            }
            group.cancelAll()
            outbox.finish()
        }
        await session.transportClosed()
    }

    /// How long a peer has to answer our close frame before the socket is dropped.
    static let closeHandshakeTimeout = Duration.seconds(5)

    private enum Ending {
        case sentClose
        case transportFailed
        case inboundEnded
        case timedOut
        /// Not an ending: the join deadline was checked.
        case joinDeadlinePassed
    }

    private static func write(outbox: Outbox, to outbound: WebSocketOutboundWriter, closeTransport: @Sendable () -> Void) async -> Ending {
        while let item = await outbox.next() {
            do {
                switch item {
                case .text(let text):
                    try await outbound.write(.text(text))
                case .close(let code, let reason):
                    try await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                    return .sentClose
                }
            } catch {
                closeTransport()
                return .transportFailed
            }
        }
        return .transportFailed
    }

    /// Collates fragmented messages (RFC 6455 §5.4) itself, so that an oversized message is
    /// answered with `message_too_large` and skipped instead of closing the socket.
    private static func read(_ inbound: WebSocketInboundStream, maxBytes: Int, into session: SignalingSession) async {
        var buffer = ByteBuffer()
        var isText = true
        var size = 0
        do {
            for try await frame in inbound {
                switch frame.opcode {
                case .text, .binary:
                    isText = frame.opcode == .text
                    size = frame.data.readableBytes
                    buffer = size <= maxBytes ? frame.data : ByteBuffer()
                case .continuation:
                    size += frame.data.readableBytes
                    if size <= maxBytes {
                        var data = frame.data
                        buffer.writeBuffer(&data)
                    } else {
                        buffer = ByteBuffer()
                    }
                }
                guard frame.fin else { continue }
                let message: InboundFrame
                if size > maxBytes {
                    message = .tooLarge(byteCount: size)
                } else if isText {
                    message = .text(String(buffer: buffer))
                } else {
                    message = .binary(byteCount: size)
                }
                buffer = ByteBuffer()
                await session.receive(message)
            }
        } catch {
            // The socket failed or was closed; the session hears of it from `run`.
        }
    }
}
