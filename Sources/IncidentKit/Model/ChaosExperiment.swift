import Foundation
import GRDB

/// One draw of `incident chaos run` (docs/contract.md, "Chaos"): the fault a pool drew for a service, and
/// what became of it. An experiment that ran is an injected incident (``incidentId``); one the guard
/// refused is kept too, with the reason, so that the chaos record counts what it did not do.
public struct ChaosExperiment: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// What became of a draw.
    public enum Outcome: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// The fault is in force, or the runner stopped before it said how the experiment ended.
        case running
        /// The fault was held, cleared, and the service recovered.
        case completed
        /// Cut short, and the fault cleared, because users paid more than the pool allows (``reason``).
        case halted
        /// Never injected: the guard refused it (``reason``).
        case skipped
    }

    public var id: Int64?
    /// The pool's name.
    public var pool: String
    public var service: String
    /// The pool entry's name.
    public var name: String
    /// The fault in its canonical text.
    public var fault: String
    /// `1` (the first replica) or `all`.
    public var scope: String
    /// How long the fault was to be held, in seconds.
    public var holdS: Double
    /// When the draw was due (skipped) or injected (run).
    public var startedAt: Timestamp
    /// When it ended: the fault cleared and the service recovered, or the guard's refusal.
    public var endedAt: Timestamp?
    public var outcome: Outcome
    /// Why it was skipped or halted; how it ended otherwise.
    public var reason: String?
    /// The injected incident that records it; nil when it was skipped.
    public var incidentId: Int64?
    public var author: String

    public static let databaseTableName = "chaos_experiment"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id, pool, service, name, fault, scope
        case holdS = "hold_s"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case outcome, reason
        case incidentId = "incident_id"
        case author
    }

    public init(
        pool: String, service: String, name: String, fault: String, scope: String, holdS: Double,
        startedAt: Timestamp, outcome: Outcome, reason: String? = nil, author: String
    ) {
        self.pool = pool
        self.service = service
        self.name = name
        self.fault = fault
        self.scope = scope
        self.holdS = holdS
        self.startedAt = startedAt
        self.outcome = outcome
        self.reason = reason
        self.author = author
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Writes every field, absent ones as explicit `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(pool, forKey: .pool)
        try container.encode(service, forKey: .service)
        try container.encode(name, forKey: .name)
        try container.encode(fault, forKey: .fault)
        try container.encode(scope, forKey: .scope)
        try container.encode(holdS, forKey: .holdS)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reason, forKey: .reason)
        try container.encode(incidentId, forKey: .incidentId)
        try container.encode(author, forKey: .author)
    }
}
