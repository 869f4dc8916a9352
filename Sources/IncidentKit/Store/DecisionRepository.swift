/// The decision records of a store (docs/contract.md, "Decision records"). A sibling of
/// ``IncidentRepository`` rather than part of it: decisions are records of their own, linked to many
/// incidents, and a store of incidents (a PostgreSQL one, say) can be written without them; the commands
/// that need both ask for `any IncidentRepository & DecisionRepository`, and ``IncidentStore`` is both.
///
/// Each method is one transaction.
public protocol DecisionRepository: Sendable {
    /// Records a decision after checking it (``DecisionRecord/checked()``); every linked incident must exist
    /// (else ``IncidentError/notFound(_:)``).
    func addDecision(_ draft: DecisionRecord) async throws -> DecisionRecord

    /// One decision.
    func decision(_ id: Int64) async throws -> DecisionRecord

    /// Every decision, oldest first; only those linked to `incident` when it is given.
    func decisions(incident: Int64?) async throws -> [DecisionRecord]

    /// Marks decision `id` superseded by decision `replacement` at `at`. Both must exist; a decision cannot
    /// supersede itself, one already superseded, or be superseded itself.
    func supersede(_ id: Int64, by replacement: Int64, at: Timestamp) async throws -> DecisionRecord
}
