import FaultCatalog
import Foundation
import IncidentKit

/// What one step of a game day found.
public struct StepResult: Sendable, Encodable {
    public enum Outcome: String, Sendable, Encodable {
        /// Detected within `detect_within` and recovered within `recover_within`.
        case detected
        /// Never detected in time: the finding a game day is for.
        case undetected
        /// Not healthy again within `recover_within` after the fault was cleared.
        case notRecovered = "not_recovered"
        /// Cut short by Ctrl-C: the fault was cleared, the incident left open for a person to close.
        case interrupted
        /// Not run: the game day was interrupted, or the target was down before it.
        case skipped
    }

    public var name: String
    public var fault: String
    public var incident: Int64?
    public var injectedAt: Timestamp?
    public var detectedAt: Timestamp?
    public var recoveredAt: Timestamp?
    public var outcome: Outcome
    public var recovered: Bool
    /// What a reader should know: why nothing saw it, what cut it short.
    public var note: String?
    /// Which replicas the fault was on, with more than one: `1 of 3`, `all`.
    public var scope: String?
    /// A deploy step's deploy, as the tracker recorded it.
    public var deploy: Int64?
    /// How much of the traffic a deploy step's release served, and for how long: `none`, `5% for 4 s`.
    public var exposure: String?
    public var exposedS: Double?
    /// Why the chaos guard cut the step short, clearing its fault before its hold was over.
    public var halted: String?
    /// What the step cost each SLO objective, when the game day measured it on Prometheus.
    public var sloCost: [SLOCost] = []

    /// The share of one SLO objective's error budget (over its window) a step spent.
    public struct SLOCost: Sendable, Encodable {
        public var slo: String
        public var objective: String
        /// Nil when Prometheus had no data for the step's span.
        public var budgetSpent: Double?

        public init(slo: String, objective: String, budgetSpent: Double?) {
            self.slo = slo
            self.objective = objective
            self.budgetSpent = budgetSpent
        }

        enum CodingKeys: String, CodingKey {
            case slo, objective
            case budgetSpent = "budget_spent"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(slo, forKey: .slo)
            try container.encode(objective, forKey: .objective)
            try container.encode(budgetSpent, forKey: .budgetSpent)
        }
    }

    public var ttd: Double? { Timestamp.seconds(from: injectedAt, to: detectedAt) }
    public var ttr: Double? { Timestamp.seconds(from: injectedAt, to: recoveredAt) }

    enum CodingKeys: String, CodingKey {
        case name, fault, scope, incident, outcome, recovered, note, deploy, exposure
        case exposedS = "exposed_s"
        case sloCost = "slo_cost"
        case ttd = "ttd_s"
        case ttr = "ttr_s"
        case injectedAt = "injected_at"
        case detectedAt = "detected_at"
        case recoveredAt = "recovered_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(fault, forKey: .fault)
        try container.encode(scope, forKey: .scope)
        try container.encode(incident, forKey: .incident)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(recovered, forKey: .recovered)
        try container.encode(note, forKey: .note)
        try container.encode(ttd, forKey: .ttd)
        try container.encode(ttr, forKey: .ttr)
        try container.encode(injectedAt, forKey: .injectedAt)
        try container.encode(detectedAt, forKey: .detectedAt)
        try container.encode(recoveredAt, forKey: .recoveredAt)
        try container.encode(deploy, forKey: .deploy)
        try container.encode(exposure, forKey: .exposure)
        try container.encode(exposedS, forKey: .exposedS)
        try container.encode(sloCost, forKey: .sloCost)
    }
}

/// A game day's results: one row per step, and totals.
public struct Scorecard: Sendable, Encodable {
    public var scenario: String
    public var detector: String
    public var steps: [StepResult]
    public var interrupted: Bool
    /// Why the remaining steps were skipped: the target was not healthy before one of them.
    public var unhealthy: String?

    /// The fault types a black-box probe cannot see: they change nothing a client observes.
    static let invisibleToProbes: Set<FaultType> = [.memoryLeak, .cpuBurn]

    var ran: [StepResult] { steps.filter { $0.outcome != .skipped } }

    /// One line of totals: detected, median TTD and TTR.
    public var totals: String {
        let detected = ran.filter { $0.detectedAt != nil }
        let ttd = Aggregate(detected.compactMap(\.ttd)).median
        let ttr = Aggregate(ran.filter(\.recovered).compactMap(\.ttr)).median
        return "\(detected.count) of \(ran.count) failures detected; median TTD \(DurationText.human(ttd)), "
            + "median TTR \(DurationText.human(ttr)); \(ran.filter { !$0.recovered }.count) not recovered"
            + (interrupted ? "; interrupted" : "")
    }

    /// Whether the game day broke several replicas, so that the table says which each step broke.
    private var scoped: Bool { steps.contains { $0.scope != nil } }
    /// Whether a step deployed a release, so that the table says how much traffic each served.
    private var deploys: Bool { steps.contains { $0.exposure != nil } }
    /// Whether the SLO cost of the steps was measured.
    private var costed: Bool { steps.contains { !$0.sloCost.isEmpty } }

    var rows: [[String]] {
        steps.map { step in
            [step.name, step.fault] + (scoped ? [step.scope ?? "-"] : []) + [
                step.incident.map { "#\($0)" } ?? "-",
                step.outcome.rawValue.replacingOccurrences(of: "_", with: " "),
                DurationText.human(step.ttd), step.recovered ? DurationText.human(step.ttr) : "-",
            ] + (deploys ? [step.exposure ?? "-"] : []) + (costed ? [Self.cost(step.sloCost)] : []) + [step.note ?? ""]
        }
    }

    var header: [String] {
        ["step", "fault"] + (scoped ? ["scope"] : []) + ["incident", "outcome", "TTD", "TTR"]
            + (deploys ? ["users exposed"] : []) + (costed ? ["SLO budget spent"] : []) + ["note"]
    }

    /// `availability 0.02%, latency 0.1%`: each objective's share of its window's error budget.
    static func cost(_ costs: [StepResult.SLOCost]) -> String {
        guard !costs.isEmpty else { return "-" }
        return costs.map { cost in
            "\(cost.slo) \(cost.objective): "
                + (cost.budgetSpent.map { String(format: "%.2f%%", $0 * 100) } ?? "no data")
        }.joined(separator: ", ")
    }

    /// For each step cut short by an interruption, how to close the incident it left open.
    public var openIncidentHints: [String] {
        steps.filter { $0.outcome == .interrupted }.compactMap(\.incident).map { id in
            "#\(id) was left open: once the app is healthy, `incident mitigate \(id) --at TIME` (when service "
                + "came back), then `incident resolve \(id) --cause \"…\"`"
        }
    }

    /// The scorecard as markdown: a heading, the table, the totals.
    public var markdown: String {
        "# Game day: \(Markdown.escape(scenario))\n\nDetector: \(detector). \(Markdown.escape(totals)).\n\n"
            + Markdown.table(header: header, rows: rows) + "\n\nTTD and TTR are measured from the app's own "
            + "activation time of each fault; TTR ends at the first good probe of the recovery."
            + (deploys
                ? " For a deploy step both start when the deploy starts, and TTR ends when the rollback does; users "
                    + "exposed is the largest share of the traffic the release served at once, and for how long." : "")
            + (costed
                ? " SLO budget spent: the step's share of bad events from its start to its recovery, times that span, "
                    + "over the window's error budget." : "") + "\n"
    }

    /// The table's rows for a terminal.
    public var table: (header: [String], rows: [[String]]) { (header, rows) }
}
