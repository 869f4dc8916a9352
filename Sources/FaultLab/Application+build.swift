import Conventions
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The service assembled and ready to run: the Hummingbird application and the state its routes share.
public struct FaultLabApplication: Sendable {
    public let application: Application<RouterResponder<AppRequestContext>>
    public let state: ServiceState

    /// Serves until SIGTERM or SIGINT, then drains: readiness turns 503 at once, the server keeps serving
    /// for the drain delay, then stops listening and lets requests in flight finish.
    public func run() async throws {
        // A service group stops its services in reverse order: the drain first, then the server.
        let drain = DrainService(
            lifecycle: state.lifecycle, delay: state.configuration.drainDelay, logger: state.logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [application, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: state.logger))
        do {
            try await group.run()
        } catch let error as IOError {
            // The server could not listen (a port in use, an address not local): the system's reason, as errno.
            throw SystemError(
                "cannot serve on \(state.configuration.host):\(state.configuration.port)", code: error.errnoCode)
        }
    }
}

/// Why the service cannot start; each maps to its exit status.
public enum StartupError: ExitingError {
    /// The notes store's file cannot be opened or created.
    case cannotOpenData(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpenData(let path, let reason):
            "cannot open the data file \(path): \(reason). Set APP_DATA or --data to a writable path."
        }
    }

    public var exitStatus: ExitStatus { .ioError }
}

/// Builds the service from its settings: opens the store, puts the start-up faults in force and wires the
/// router. The server marks itself serving once its socket is bound.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger) throws(StartupError)
    -> FaultLabApplication
{
    let state: ServiceState
    do {
        state = try ServiceState(configuration: configuration, logger: logger)
    } catch {
        throw .cannotOpenData(path: configuration.dataPath, reason: "\(error)")
    }
    let application = Application(
        router: buildRouter(state),
        server: .http1(idleTimeout: configuration.idleTimeout, headerTimeout: configuration.headerTimeout),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
        onServerRunning: { channel in
            state.lifecycle.markServing()
            logger.notice(
                "listening",
                metadata: [
                    "host": "\(configuration.host)",
                    "port": .stringConvertible(channel.localAddress?.port ?? configuration.port),
                ])
        },
        logger: logger)
    return FaultLabApplication(application: application, state: state)
}

/// Every route, behind the observability middleware and, when fault injection is on, the fault middleware;
/// the admin API only with fault injection on and an admin token set. Every GET route answers HEAD too, as
/// uptime checkers send it.
public func buildRouter(_ state: ServiceState) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ObservabilityMiddleware(metrics: state.metrics))
    if state.configuration.faultInjection {
        router.add(middleware: FaultMiddleware(faults: state.faults, lifecycle: state.lifecycle))
    }
    OperationsRoutes(service: state).add(to: router)
    NotesRoutes(store: state.store, defects: state.configuration.defects).add(to: router)
    if state.configuration.faultInjection, let token = state.configuration.adminToken {
        AdminRoutes(faults: state.faults, token: token).add(to: router)
    }
    return router
}
