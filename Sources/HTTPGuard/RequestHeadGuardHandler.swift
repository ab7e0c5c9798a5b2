import NIOCore

/// Puts a `RequestHeadGuard` just before a connection's HTTP parser: it passes bytes on while the
/// head is incomplete, answers and closes when the guard refuses them (or the head deadline
/// passes), and removes itself once the head is complete.
final class RequestHeadGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var headGuard: RequestHeadGuard
    private var deadline: Scheduled<Void>?

    init(limits: HTTPLimits) {
        headGuard = RequestHeadGuard(limits: limits, nowNanos: NIODeadline.now().uptimeNanoseconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(
            deadline: NIODeadline.uptimeNanoseconds(headGuard.deadlineNanos)
        ) {
            let (handler, context) = loopBound.value
            handler.act(on: handler.headGuard.tick(nowNanos: NIODeadline.now().uptimeNanoseconds), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if case .rejected = headGuard.verdict { return }  // answered already; the rest is ignored
        let verdict = headGuard.receive(bytes.readableBytesView)
        if case .rejected = verdict {
            act(on: verdict, context: context)
            return
        }
        context.fireChannelRead(data)
        act(on: verdict, context: context)
    }

    private func act(on verdict: RequestHeadGuard.Verdict, context: ChannelHandlerContext) {
        switch verdict {
        case .incomplete:
            break
        case .complete:
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .rejected(let rejection):
            deadline?.cancel()
            deadline = nil
            let response = context.channel.allocator.buffer(bytes: rejection.responseBytes)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
