import FaultCatalog
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The outermost middleware: gives each request an id (a sane `X-Request-ID` is kept and echoed), turns
/// errors into answers so that their status is known, and for every request, injected faults included,
/// writes one access log line and counts it: user traffic in `http_requests_total`,
/// `http_request_duration_seconds` and `http_requests_in_flight`, operational traffic (probes, scrapes, the
/// admin API) in `http_operational_requests_total` only.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let requestID = request.headers[.requestID].flatMap(Self.acceptedRequestID) ?? Self.newRequestID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        context.logger[metadataKey: "hb.request.id"] = nil
        let operational = Self.isOperational(route: context.endpointPath, path: request.uri.path)
        if !operational { metrics.requestsInFlight.increment() }
        defer { if !operational { metrics.requestsInFlight.decrement() } }

        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as AbortedConnection {
            record(request, context: context, operational: operational, status: AppMetrics.abortedStatus, since: start)
            throw error
        } catch is NIOTooManyBytesError {
            // Hummingbird's refusals carry no message (this one, and no route below): give them one, so that
            // every error answer is JSON.
            response = try HTTPError(.contentTooLarge, message: "the request body is larger than this route accepts")
                .response(from: request, context: context)
        } catch let error as HTTPError where error.body == nil {
            let message =
                error.status == .notFound
                ? "no route for \(request.method) \(request.uri.path.prefix(200))" : error.status.reasonPhrase
            response = try HTTPError(error.status, headers: error.headers, message: message).response(
                from: request, context: context)
        } catch let error as any HTTPResponseError {
            if let unavailable = error as? StoreUnavailable {
                if let fault = unavailable.fault {
                    context.injectedFaults.append(fault)
                } else {
                    context.logger.warning("data store unavailable", metadata: ["error": "\(unavailable.reason)"])
                }
            }
            response = try error.response(from: request, context: context)
        } catch let error as HTTPParserError {
            // A body that breaks HTTP's framing (a bad chunk size, an unknown transfer coding) is the client's
            // error, and nothing after it on the connection can be read.
            let message = "malformed request body (\(error)); send Content-Length or Transfer-Encoding: chunked"
            response = try HTTPError(.badRequest, message: message).response(from: request, context: context)
            response.headers[.connection] = "close"
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = try HTTPError(.internalServerError, message: "internal error").response(
                from: request, context: context)
        }
        if response.status == .contentTooLarge {
            response.headers[.connection] = "close"  // the rest of the body is never read
        }
        if request.method == .head {
            response = response.createHeadResponse()  // the GET answer's status and headers, for every path
        }
        response.headers[.requestID] = requestID
        record(request, context: context, operational: operational, status: response.status.code, since: start)
        return response
    }

    /// Probes, scrapes and the admin API, shown or hidden (a hidden one is `NotFound` under `/admin`): they are
    /// kept out of the user traffic families, where at low traffic they would dilute the ratios SLOs read.
    static func isOperational(route: String?, path: String) -> Bool {
        switch route {
        case "/metrics", "/livez", "/readyz": true
        case let route? where route.hasPrefix("/admin/"): true
        default: path == "/admin" || path.hasPrefix("/admin/")
        }
    }

    private func record(
        _ request: Request, context: Context, operational: Bool, status: Int, since start: ContinuousClock.Instant
    ) {
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "NotFound"  // Hummingbird's own name for a path no route matches
        if operational {
            metrics.recordOperationalRequest(route: route, status: status)
        } else {
            metrics.recordRequest(method: request.method.rawValue, route: route, status: status, duration: duration)
        }
        // An autoclosure: nothing is built when the log level is above info.
        context.logger.info(
            "request", metadata: accessLogMetadata(request, context, route: route, status: status, duration: duration))
    }

    private func accessLogMetadata(
        _ request: Request, _ context: Context, route: String, status: Int, duration: Duration
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "route": .string(route), "path": .string(request.uri.path),
            "status": .stringConvertible(status), "duration_s": .stringConvertible(duration / .seconds(1)),
        ]
        if status == AppMetrics.abortedStatus { metadata["aborted"] = .stringConvertible(true) }
        let faults = context.injectedFaults.labels
        if !faults.isEmpty { metadata["faults"] = .array(faults.map { .string($0) }) }
        return metadata
    }

    /// A caller's request id is kept when it is 1–128 printable ASCII characters; anything else could
    /// forge log lines or bloat them, and is replaced.
    static func acceptedRequestID(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return nil
        }
        return value
    }

    static func newRequestID() -> String {
        let random = UInt64.random(in: .min ... .max)
        let hex = String(random, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Thrown after an abort fault closed the connection: there is no answer to send.
struct AbortedConnection: Error {}

extension HTTPField.Name {
    public static let requestID = Self("X-Request-ID")!
}
