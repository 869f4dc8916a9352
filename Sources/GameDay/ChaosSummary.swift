import Foundation
import IncidentKit

/// What a pool's experiments did and cost (`incident chaos status`): draws run, halted and skipped with their
/// reasons, how the alerts detected those that ran, and, when Prometheus could be asked, what the chaos spent
/// of each guarded SLO against the pool's cap.
public struct ChaosSummary: Sendable, Encodable {
    public var pool: String
    public var service: String
    public var since: Timestamp?
    public var draws: Int
    public var completed: Int
    public var halted: Int
    public var skipped: Int
    /// Experiments still running (or left running by a runner that was killed).
    public var running: Int
    /// Skipped draws by the guard's check that refused them (the first that failed), most frequent first.
    public var skippedBy: [Reason]
    /// The halted experiments, each with its reason.
    public var haltedExperiments: [Halted]
    /// Of the experiments that ran, how many an alert (or the prober) detected, and how fast.
    public var detected: Int
    public var ttd: Aggregate
    public var ttr: Aggregate
    /// What the chaos spent of each guarded objective against the cap; nil when Prometheus was not asked or
    /// could not answer (``budgetProblem`` says why).
    public var budgets: [ChaosGuard.Budget]?
    public var budgetProblem: String?
    public var cap: Double
    public var floor: Double

    public struct Reason: Sendable, Encodable {
        public var reason: String
        public var count: Int
    }

    public struct Halted: Sendable, Encodable {
        public var experiment: Int64
        public var incident: Int64?
        public var fault: String
        public var reason: String
    }

    /// The share of experiments that ran which were detected; nil when none ran.
    public var detectionRate: Double? {
        completed + halted > 0 ? Double(detected) / Double(completed + halted) : nil
    }

    /// Sums up `experiments` of `pool`, reading each one's incident from `store`.
    public static func of(
        _ experiments: [ChaosExperiment], pool: ChaosPool, since: Timestamp?, store: any IncidentRepository
    ) async throws -> ChaosSummary {
        let ran = experiments.filter { $0.outcome == .completed || $0.outcome == .halted }
        var incidents: [Incident] = []
        for id in ran.compactMap(\.incidentId) { incidents.append(try await store.detail(id).incident) }
        var reasons: [String: Int] = [:]
        for skipped in experiments where skipped.outcome == .skipped {
            reasons[Self.firstReason(skipped.reason), default: 0] += 1
        }
        return ChaosSummary(
            pool: pool.name, service: pool.service, since: since, draws: experiments.count,
            completed: experiments.filter { $0.outcome == .completed }.count,
            halted: experiments.filter { $0.outcome == .halted }.count,
            skipped: experiments.filter { $0.outcome == .skipped }.count,
            running: experiments.filter { $0.outcome == .running }.count,
            skippedBy: reasons.map { Reason(reason: $0.key, count: $0.value) }.sorted {
                ($1.count, $0.reason) < ($0.count, $1.reason)
            },
            haltedExperiments: experiments.filter { $0.outcome == .halted }.map {
                Halted(experiment: $0.id ?? 0, incident: $0.incidentId, fault: $0.fault, reason: $0.reason ?? "")
            },
            detected: incidents.filter { $0.detectedAt != nil }.count,
            ttd: Aggregate(incidents.compactMap(\.durations.ttd)),
            ttr: Aggregate(incidents.compactMap(\.durations.ttr)),
            budgets: nil, budgetProblem: nil, cap: pool.guardrails.maxBudgetSpend, floor: pool.guardrails.minBudgetLeft)
    }

    /// The first of a refusal's reasons, without its figures: `paging alert(s) firing`, `the chaos spent…`.
    static func firstReason(_ reason: String?) -> String {
        let first = (reason ?? "no reason recorded").components(separatedBy: "; ")[0]
        if first.contains("the chaos spent") { return "the chaos reached its cap" }
        if first.contains("of the error budget left") { return "an SLO's budget was below the floor" }
        if first.hasPrefix("paging alert") { return "a paging alert fired" }
        if first.hasPrefix("a real incident") { return "a real incident was open" }
        if first.hasPrefix("an injected incident") { return "another injected incident was open" }
        return first
    }

    /// The summary as lines for people.
    public var lines: [String] {
        var lines = [
            "Chaos of pool \(pool) on \(service)" + (since.map { " since \($0)" } ?? "") + ":",
            "  \(draws) draw(s): \(completed + halted) ran (\(completed) completed, \(halted) halted), "
                + "\(skipped) skipped" + (running > 0 ? ", \(running) running" : ""),
        ]
        for reason in skippedBy { lines.append("  skipped \(reason.count)×: \(reason.reason)") }
        for halted in haltedExperiments {
            lines.append(
                "  halted #\(halted.experiment)" + (halted.incident.map { " (incident #\($0))" } ?? "")
                    + " \(halted.fault): \(halted.reason)")
        }
        if let rate = detectionRate {
            lines.append(
                "  detected: \(detected) of \(completed + halted) (\(ChaosGuard.percent(rate))), median TTD "
                    + "\(ttd.median.map(DurationText.human) ?? "-"), median TTR \(ttr.median.map(DurationText.human) ?? "-")"
            )
        }
        if let budgets {
            for budget in budgets {
                lines.append(
                    "  \(budget.slo) (\(budget.objective)): the chaos spent \(ChaosGuard.percent(budget.chaosSpent)) "
                        + "of the budget (cap \(ChaosGuard.percent(cap))); "
                        + (budget.left.map { "\(ChaosGuard.percent($0)) left (floor \(ChaosGuard.percent(floor)))" }
                            ?? "budget left unknown (no data)")
                        + (budget.unmeasured > 0 ? "; \(budget.unmeasured) experiment(s) without data" : ""))
            }
        } else if let budgetProblem {
            lines.append("  budget: not measured: \(budgetProblem)")
        }
        return lines
    }
}
