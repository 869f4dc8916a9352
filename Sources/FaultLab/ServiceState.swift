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
        metrics = AppMetrics(version: AppVersion.current)
        faults = FaultRegistry(caps: configuration.faultCaps, metrics: metrics, logger: logger)
        store = NoteStore(writer: try NoteStore.open(path: configuration.dataPath), faults: faults)
        for spec in configuration.startupFaults {
            _ = try! faults.activate(spec)  // AppConfiguration admitted them against these same caps
        }
    }
}
