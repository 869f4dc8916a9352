import AlertIntake
import Conventions
import Foundation
import Hummingbird
import IncidentKit
import Logging
import NIOCore
import ServiceLifecycle

/// The settings of `incident serve`.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 9095
    /// The bearer token Alertmanager sends.
    public var token: String
    /// How long after an incident recovered an alert still counts as its (late) detection.
    public var lateWindow: Double = 900

    public init(token: String) {
        self.token = token
    }
}

/// `incident serve`: Alertmanager's webhook receiver (`POST /alertmanager`) writing to the incident store,
/// and `GET /healthz`. Built after the Hummingbird template: ``buildRouter(store:configuration:logger:)``
/// wires the routes, ``buildApplication(store:configuration:logger:)`` the server.
public func buildApplication(store: any IncidentRepository, configuration: ServeConfiguration, logger: Logger)
    -> some ApplicationProtocol
{
    Application(
        router: buildRouter(store: store, configuration: configuration, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "incident"),
        onServerRunning: { channel in
            logger.notice("listening", metadata: ["port": "\(channel.localAddress?.port ?? configuration.port)"])
        },
        logger: logger)
}

/// The receiver's routes.
public func buildRouter(store: any IncidentRepository, configuration: ServeConfiguration, logger: Logger)
    -> Router<ReceiverContext>
{
    let router = Router(context: ReceiverContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.get("healthz") { _, _ in Reply(status: "ok") }
    router.post("alertmanager") { request, context -> Reply in
        try authorize(request, token: configuration.token)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: AlertIntake.maxBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(AlertIntake.maxBodyBytes) bytes")
        }
        let notices: [AlertNotice]
        do throws(IntakeError) {
            notices = try AlertIntake.notices(from: Data(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        do {
            let recorded = try await AlertIntake.record(
                notices, in: store, lateWindow: configuration.lateWindow, by: "alertmanager")
            for alert in recorded where alert.outcome != .duplicate {
                logger.info(
                    "alert",
                    metadata: [
                        "alert": "\(alert.name)", "status": "\(alert.status.rawValue)",
                        "outcome": "\(alert.outcome.rawValue)",
                        "incident": "\(alert.incidentId.map(String.init) ?? "-")",
                    ])
            }
            return Reply(status: "ok", outcomes: recorded.map { "\($0.name): \($0.outcome.rawValue)" })
        } catch let error as IncidentError where [.ioError, .unavailable, .noPermission].contains(error.exitStatus) {
            // Busy, failing, or a database server down or refusing us: Alertmanager retries on 5xx, so nothing
            // is lost.
            logger.error("cannot record alerts", metadata: ["error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "the incident store cannot be written now: \(error)")
        } catch let error as IncidentError {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
    return router
}

/// The receiver's request context: Hummingbird's, with JSON answers written with keys sorted and slashes
/// unescaped.
public struct ReceiverContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var responseEncoder: JSONEncoder { Self.encoder }

    private static let encoder = JSONEncoder.stable()
}

/// Refuses a request without `Authorization: Bearer TOKEN` (the scheme in any case, RFC 9110), comparing the
/// token in constant time.
func authorize(_ request: Request, token: String) throws {
    guard BearerCredentials.present(request.headers[.authorization], token: token) else {
        throw HTTPError(
            .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
            message:
                "send the receiver's token as 'Authorization: Bearer TOKEN' (Alertmanager: http_config.authorization)")
    }
}

/// The receiver's answers: `{"status":"ok","outcomes":[…]}`.
struct Reply: ResponseEncodable {
    var status: String
    var outcomes: [String]?
}

/// Every error answer as JSON, `{"error":{"message":…}}`, unknown paths and methods included.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = ReceiverContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch var error as HTTPError where error.body == nil {
            error.body =
                error.status == .notFound || error.status == .methodNotAllowed
                ? "no such route: the receiver answers POST /alertmanager and GET /healthz" : error.status.reasonPhrase
            throw error
        }
    }
}

/// Runs the receiver until SIGTERM or SIGINT; the request in progress finishes first.
public func serve(store: any IncidentRepository, configuration: ServeConfiguration, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: [buildApplication(store: store, configuration: configuration, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
    } catch let error as IOError {
        // The server could not listen (a port in use, an address not local): the system's reason, as errno.
        throw SystemError("cannot listen on \(configuration.host):\(configuration.port)", code: error.errnoCode)
    }
}
