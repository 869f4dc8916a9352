import FaultCatalog
import Foundation
import Logging

/// Everything the routes share: settings, metrics, faults, the store and the serving phase.
public struct ServiceState: Sendable {
    public let configuration: AppConfiguration
    let startedAt = Date()
    public let logger: Logger
    let metrics: AppMetrics
    public let faults: FaultRegistry
    let store: NoteStore
    /// Where the server is in its life: starting, serving or draining.
    public let lifecycle = ServingLifecycle()

    /// Opens the store and puts the start-up faults in force.
    init(configuration: AppConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        metrics = AppMetrics(version: configuration.version)
        faults = FaultRegistry(caps: configuration.faultCaps, metrics: metrics, logger: logger)
        let backend: any NotesBackend =
            if let database = configuration.database {
                PostgresNotes(
                    address: database.address, poolSize: database.poolSize, poolTimeout: database.poolTimeout,
                    metrics: metrics.pool)
            } else {
                try SQLiteNotes(path: configuration.dataPath)
            }
        store = NoteStore(backend: backend, faults: faults, metrics: metrics)
        for spec in configuration.startupFaults {
            _ = try! faults.activate(spec)  // AppConfiguration admitted them against these same caps
        }
    }

    /// Whether `/readyz` would answer 200 now: serving, no `not_ready` fault acting, and the store answering.
    /// `/readyz` and the `app_ready` gauge both ask this.
    func readiness() async -> Readiness {
        switch lifecycle.phase {
        case .starting: return Readiness(reason: .starting, detail: "starting")
        case .draining: return Readiness(reason: .draining, detail: "draining")
        case .serving: break
        }
        if let fault = faults.failure(.notReady) {
            return Readiness(reason: .fault, detail: "fault \(fault.label)")
        }
        do {
            try await store.ping()
        } catch {
            return Readiness(reason: .store, detail: "data store: \(error)")
        }
        return Readiness(reason: nil, detail: nil)
    }
}

/// Why the service is not ready, as `app_not_ready{reason}` names it.
public enum NotReadyReason: String, CaseIterable, Sendable {
    case starting, draining, fault, store
}

/// The outcome of a readiness check.
struct Readiness {
    /// Nil when ready.
    var reason: NotReadyReason?
    /// What `/readyz` says when not ready, such as `fault not_ready#3`.
    var detail: String?
}
