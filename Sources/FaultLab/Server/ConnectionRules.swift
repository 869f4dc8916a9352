import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1.1 server with the connection rules of ``ExchangeWatcher``: an idle timeout, a
    /// deadline on each request head, and an end to connections that cannot go on after an answer.
    static func http1(idleTimeout: Duration, headerTimeout: Duration) -> HTTPServerBuilder {
        .init { responder in
            WatchedHTTP1Channel(
                http1: HTTP1Channel(responder: responder),
                idleTimeout: TimeAmount(idleTimeout), headerTimeout: TimeAmount(headerTimeout))
        }
    }
}

/// Hummingbird's HTTP/1.1 child channel with an ``ExchangeWatcher`` in the place of its
/// `HTTPConnectionStateHandler` (whose idle timeout and graceful close it takes over, so that every part of
/// every exchange is looked at once, not twice), and a ``RequestBytesWatcher`` at the front of the pipeline.
struct WatchedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let idleTimeout: TimeAmount
    let headerTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let exchanges = ExchangeWatcher(idleTimeout: idleTimeout, headerTimeout: headerTimeout, logger: logger)
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(exchanges, position: .before(connectionState))
            pipeline.removeHandler(connectionState, promise: nil)
            try pipeline.addHandler(RequestBytesWatcher(exchanges: exchanges), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

/// The rules of one connection, after the HTTP codec:
///
/// - the idle timeout: a connection is closed once it has gone `idleTimeout` with no request, or in the middle
///   of reading one, with nothing received (an answer in the making is never cut short: a hang fault holds it);
/// - a request head that takes longer than the header timeout to arrive in full (slowloris) closes the
///   connection, counted from its opening or, between requests, from the next request's first byte, which
///   ``RequestBytesWatcher`` reports;
/// - an exchange the connection cannot go on after, marked `Connection: close` on the request or on the
///   answer (a 413 whose body was left unread, a 400 for a malformed request), and every exchange in progress
///   when the server shuts down: once the answer is out, the output is shut so that the client reads all of
///   it and then its end, and the connection closes when the client closes its side, or after a short
///   linger. It is never left half-open waiting for the client.
///
/// Each deadline has at most one timer pending, which lapses or reschedules itself when it fires, rather than
/// a timer per request.
final class ExchangeWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a client gets to read a final answer before the connection closes under it; closing at once
    /// could reset the connection while the answer is still on its way.
    static let linger = TimeAmount.seconds(1)

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// Request heads read and answers ended on this connection so far (pipelined requests run ahead).
    private var headsRead = 0
    private var answersEnded = 0
    /// Between a request's head and its end.
    private var readingRequest = false
    /// When something last arrived, or the last answer ended.
    private var lastActive = NIODeadline.now()
    /// The number of the answer after which the connection closes, once a request or an answer asks.
    private var lastAnswer: Int?
    /// After an answer, until the next request's first byte: no head deadline runs.
    private var awaitingRequest = false
    /// When the request head being awaited started to count; nil while none is.
    private var headStarted: NIODeadline?
    private var headCheck: Scheduled<Void>?
    private var idleCheck: Scheduled<Void>?
    private var lingerDeadline: Scheduled<Void>?

    init(idleTimeout: TimeAmount, headerTimeout: TimeAmount, logger: Logger) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.logger = logger
    }

    private var requestsOpen: Bool { answersEnded < headsRead }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { opened() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headCheck?.cancel()
        idleCheck?.cancel()
        lingerDeadline?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        opened()
        context.fireChannelActive()
    }

    private func opened() {
        lastActive = .now()
        startHeadClock()
        armIdleCheck()
    }

    /// Bytes arrived on the connection: after an answer, they start the next request's head deadline.
    func bytesArrived() {
        guard awaitingRequest else { return }
        awaitingRequest = false
        startHeadClock()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActive = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            headsRead += 1
            readingRequest = true
            awaitingRequest = false
            headStarted = nil
            armIdleCheck()
            if head.headerFields.closeConnection { closeAfter(answer: headsRead) }
        case .body:
            break
        case .end:
            readingRequest = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.kind != .informational, head.headerFields.closeConnection {
                closeAfter(answer: answersEnded + 1)
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            answersEnded += 1
            guard let lastAnswer, answersEnded >= lastAnswer else {
                // A 400 for a request the decoder refused ends an answer that had no request head.
                if !requestsOpen {
                    awaitingRequest = true
                    lastActive = .now()
                    armIdleCheck()
                }
                return context.write(data, promise: promise)
            }
            context.writeAndFlush(data, promise: promise)
            context.close(mode: .output, promise: nil)  // a full close once the client closes its side too
            lingerDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) {
                context.close(promise: nil)
            }
        }
    }

    /// The server is shutting down: close now if no request is in progress, else after the last answer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        if requestsOpen {
            closeAfter(answer: headsRead)
        } else {
            context.close(promise: nil)
        }
    }

    private func closeAfter(answer number: Int) {
        lastAnswer = min(lastAnswer ?? number, number)
    }

    private func startHeadClock() {
        headStarted = .now()
        if headCheck == nil { checkHead(in: headerTimeout) }
    }

    private func checkHead(in delay: TimeAmount) {
        guard let context else { return }
        headCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            headCheck = nil
            guard let headStarted else { return }
            let left = headStarted + headerTimeout - .now()
            guard left <= .zero else { return checkHead(in: left) }
            logger.debug(
                "closing a connection: no complete request head within the header timeout",
                metadata: ["header_timeout_s": .stringConvertible(Double(headerTimeout.nanoseconds) / 1e9)])
            context.close(promise: nil)
        }
    }

    private func armIdleCheck() {
        if idleCheck == nil { checkIdle(in: idleTimeout) }
    }

    private func checkIdle(in delay: TimeAmount) {
        guard let context else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            idleCheck = nil
            // An answer in the making: the next answer's end arms the check again.
            guard !requestsOpen || readingRequest else { return }
            let left = lastActive + idleTimeout - .now()
            guard left <= .zero else { return checkIdle(in: left) }
            logger.debug("closing an idle connection")
            context.close(promise: nil)
        }
    }
}

/// The first handler of the pipeline, before the HTTP decoder: tells the ``ExchangeWatcher`` when bytes
/// arrive, which the decoder hides until a request head is complete.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let exchanges: ExchangeWatcher

    init(exchanges: ExchangeWatcher) {
        self.exchanges = exchanges
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        exchanges.bytesArrived()
        context.fireChannelRead(data)
    }
}

extension HTTPFields {
    /// Whether the `Connection` field holds the `close` option (RFC 9110, 7.6.1: a list of case-insensitive
    /// tokens).
    var closeConnection: Bool {
        guard let value = self[.connection] else { return false }  // every value, joined by commas
        return value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
    }
}
