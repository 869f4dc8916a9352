import Foundation
import Hummingbird
import Logging

/// Everything the routes share: settings, metrics, faults, the store and the serving phase.
struct ServiceState: Sendable {
    let configuration: AppConfiguration
    let startedAt = Date()
    let logger: Logger
    let metrics: AppMetrics
    let faults: FaultRegistry
    let store: NoteStore
    let lifecycle = ServingLifecycle()

    /// Opens the store and puts the start-up faults in force.
    init(configuration: AppConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        metrics = AppMetrics(version: AppVersion.current)
        faults = FaultRegistry(metrics: metrics, logger: logger)
        store = try NoteStore(path: configuration.dataPath, faults: faults)
        for spec in configuration.startupFaults {
            _ = faults.activate(spec)
        }
    }

    /// Every route, behind the observability middleware and, when fault injection is on, the fault
    /// middleware; the admin API only with fault injection on and an admin token set.
    func makeRouter() -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ObservabilityMiddleware(metrics: metrics))
        if configuration.faultInjection {
            router.add(middleware: FaultMiddleware(faults: faults, lifecycle: lifecycle))
        }
        OperationsRoutes(service: self).add(to: router)
        NotesRoutes(store: store).add(to: router)
        if configuration.faultInjection, let token = configuration.adminToken {
            AdminRoutes(faults: faults, token: token).add(to: router)
        }
        return router
    }
}
