import FaultCatalog
import Hummingbird
import NIOHTTP1

/// Applies the request faults in force to each request: added latency first, then an error answer, a
/// closed connection, or a hang. With no fault in force it costs one uncontended lock.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let faults: FaultRegistry
    let lifecycle: ServingLifecycle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let plan = faults.plan(forPath: request.uri.path)
        if plan.isEmpty { return try await next(request, context) }
        for fault in plan.faults {
            faults.countInjected(fault)
            context.injectedFaults.append(fault)
        }
        if plan.delay > .zero { try await Task.sleep(for: plan.delay) }
        switch plan.ending?.spec.action {
        case .error(let status):
            let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
            throw HTTPError(HTTPResponse.Status(code: status, reasonPhrase: reason), message: reason)
        case .abort:
            context.channel.close(promise: nil)
            throw AbortedConnection()
        case .hang(let maxSeconds):
            await lifecycle.sleep(for: .seconds(maxSeconds))
            throw HTTPError(.serviceUnavailable, message: "request timed out")
        default:
            return try await next(request, context)
        }
    }
}
