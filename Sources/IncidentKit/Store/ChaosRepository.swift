/// The chaos record of a store (docs/contract.md, "Chaos"): every draw of `incident chaos run`, run, halted or
/// skipped. A sibling of ``IncidentRepository``, as ``DeployRepository`` is. Each method is one transaction.
public protocol ChaosRepository: Sendable {
    /// Records a draw: one the guard refused (``ChaosExperiment/Outcome/skipped``, ended), or one whose fault
    /// was just injected (``ChaosExperiment/Outcome/running``, naming its incident).
    func recordChaos(_ experiment: ChaosExperiment) async throws -> ChaosExperiment

    /// Names the incident that records running experiment `id`, as soon as its fault is injected.
    func linkChaos(_ id: Int64, incident: Int64) async throws

    /// Says how running experiment `id` ended (completed, halted, or skipped when it never injected), when,
    /// why, and the incident that records it.
    func endChaos(
        _ id: Int64, incident: Int64?, outcome: ChaosExperiment.Outcome, reason: String?, at: Timestamp
    ) async throws -> ChaosExperiment

    /// The experiments of `pool` (every pool when nil) of `service` that started at or after `since`, oldest
    /// first.
    func chaosExperiments(pool: String?, service: String?, since: Timestamp?) async throws -> [ChaosExperiment]
}
