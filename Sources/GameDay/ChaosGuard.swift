import Conventions
import Foundation
import IncidentKit
import SLOKit
import SLOStatus
import Synchronization

/// What the guard found before an experiment: each check, passed or not, with its figures.
public struct GuardVerdict: Sendable, Encodable {
    /// One of the guard's conditions.
    public struct Check: Sendable, Encodable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public var checks: [Check]

    /// True when every check passed: the experiment may start.
    public var allows: Bool { checks.allSatisfy(\.passed) }

    /// The failed checks, as the reason a draw was skipped.
    public var refusal: String? {
        let failed = checks.filter { !$0.passed }.map(\.detail)
        return failed.isEmpty ? nil : failed.joined(separator: "; ")
    }
}

/// The pool's guard on the user (``ChaosPool/Guard``): an experiment starts only while every guarded SLO has
/// more budget left than the floor, the chaos has spent less than its cap of each in the SLO's window, no
/// paging alert fires and no incident of the service is open; it is halted once its burn rate passes the
/// stop, the chaos would pass its cap, a real incident opens, or a page fires that the experiment does not
/// explain. A guard that cannot measure refuses, and halts.
public struct ChaosGuard: Sendable {
    public let pool: ChaosPool
    /// The SLOs guarded: those of the pool's service the pool names (all of them when it names none).
    public let slos: [SLO]
    public let meter: SLOMeter
    public let store: any IncidentRepository & ChaosRepository

    /// How long before the end of a fault's failure the guard looks ahead when it halts on the cap: about
    /// what it takes to clear the fault and for the service to answer well again.
    static let reaction = 5.0
    /// How long a page of the service may fire before the experiment's incident records it (the alert's way
    /// through Alertmanager to `incident serve`); longer, the page is not the experiment's.
    static let pageGrace = 30.0

    public init(pool: ChaosPool, slos: [SLO], meter: SLOMeter, store: any IncidentRepository & ChaosRepository)
        throws
    {
        let ofService = slos.filter { $0.service == pool.service }
        let unknown = pool.guardrails.slos.filter { name in !ofService.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw IncidentError.invalidInput(
                "the pool guards \(unknown.joined(separator: ", ")), which is no SLO of \(pool.service) in the SLO "
                    + "folder (those are: \(ofService.map(\.name).joined(separator: ", "))); fix guard.slos or --slo-dir"
            )
        }
        self.slos =
            pool.guardrails.slos.isEmpty ? ofService : ofService.filter { pool.guardrails.slos.contains($0.name) }
        guard !self.slos.isEmpty else {
            throw IncidentError.invalidInput(
                "no SLO of \(pool.service) in the SLO folder: the guard has nothing to measure users by; pass --slo-dir"
            )
        }
        self.pool = pool
        self.meter = meter
        self.store = store
    }

    /// What the chaos spent of one objective, and how much of its budget is left.
    public struct Budget: Sendable, Encodable {
        public var slo: String
        public var objective: String
        /// The share of the budget left over the SLO's window; nil without data.
        public var left: Double?
        /// The share of the budget the pool's experiments spent in the window.
        public var chaosSpent: Double
        /// Experiments Prometheus had no data for.
        public var unmeasured: Int
        /// The bad events the window allows: the budget the shares are of.
        public var allowed: Double
        /// The most each fault (in canonical text) of the pool's experiments in the window cost.
        public var costliest: [String: Double]
    }

    /// Each guarded objective's budget left and what the pool's experiments spent of it within its window,
    /// both against the budget of a window of the current traffic (the last minute's events per second × the
    /// window), or of the window's own events when they are more. With a full window of steady traffic that is
    /// the budget `incident slo status` measures; in a window younger than the SLO's (a lab started an hour
    /// ago) it counts the part Prometheus never saw as traffic of today's rate, rather than judging days of
    /// budget on an hour of events. An experiment's spend is its bad events from injection to recovery, as the
    /// game day's scorecard counts it.
    public func budgets(now: Timestamp) async throws -> [Budget] {
        let longest = slos.map { meter.profile.seconds($0.window) }.max() ?? 0
        let since = now.adding(seconds: -Double(longest))
        let experiments = try await store.chaosExperiments(pool: pool.name, service: pool.service, since: since)
        var incidents: [Incident] = []
        var faults: [Int64: String] = [:]
        for experiment in experiments {
            guard let id = experiment.incidentId else { continue }
            incidents.append(try await store.detail(id).incident)
            faults[id] = experiment.fault
        }
        // The last minute, as an incident that is not stored, for the current rate of events.
        var lastMinute = Incident(title: "the last minute", service: pool.service, startedAt: now.adding(seconds: -60))
        lastMinute.id = 0
        return try await meter.measure(slos, incidents: incidents + [lastMinute], now: now).map { measurement in
            let recent = measurement.incidents.first { $0.id == 0 }?.events ?? 0
            let allowed =
                max(measurement.events ?? 0, recent / 60 * Double(measurement.windowS)) * measurement.errorBudget
            let costs = measurement.incidents.filter { $0.id != 0 }
            let spends = costs.map { cost in cost.badEvents.map { allowed > 0 ? $0 / allowed : 0 } }
            var costliest: [String: Double] = [:]
            for (cost, spend) in zip(costs, spends) {
                guard let fault = faults[cost.id], let spend else { continue }
                costliest[fault] = max(costliest[fault] ?? 0, spend)
            }
            return Budget(
                slo: measurement.slo, objective: measurement.objective,
                left: measurement.badEvents.flatMap { allowed > 0 ? 1 - $0 / allowed : nil },
                chaosSpent: spends.compactMap { $0 }.reduce(0, +), unmeasured: spends.filter { $0 == nil }.count,
                allowed: allowed, costliest: costliest)
        }
    }

    /// Whether an experiment of `fault` (canonical text; nil: any) may start now, each condition with its
    /// figures. A fault that cost more before than the cap has left is refused: what the guard cannot halt in
    /// time (the seconds it takes to see a breach, and the recovery after the fault is cleared) it learns from
    /// the fault's earlier experiments.
    public func verdict(for fault: String? = nil, now: Timestamp = .now) async -> GuardVerdict {
        var checks: [GuardVerdict.Check] = []
        do {
            for budget in try await budgets(now: now) {
                let label = "\(budget.slo) (\(budget.objective))"
                if let left = budget.left {
                    checks.append(
                        .init(
                            name: "budget left", passed: left > pool.guardrails.minBudgetLeft,
                            detail: "\(label): \(Self.percent(left)) of the error budget left, floor "
                                + Self.percent(pool.guardrails.minBudgetLeft)))
                } else {
                    checks.append(
                        .init(
                            name: "budget left", passed: false,
                            detail: "\(label): Prometheus has no data for it, so the budget left cannot be known"))
                }
                let before = fault.flatMap { budget.costliest[$0] } ?? 0
                checks.append(
                    .init(
                        name: "chaos spend", passed: budget.chaosSpent + before < pool.guardrails.maxBudgetSpend,
                        detail: "\(label): the chaos spent \(Self.percent(budget.chaosSpent)) of the budget, cap "
                            + Self.percent(pool.guardrails.maxBudgetSpend)
                            + (before > 0 ? "; this fault cost up to \(Self.percent(before)) before" : "")
                            + (budget.unmeasured > 0 ? " (\(budget.unmeasured) experiment(s) without data)" : "")))
            }
        } catch {
            checks.append(.init(name: "budget left", passed: false, detail: "the SLOs cannot be measured: \(error)"))
        }
        do {
            let pages = try await firingPages()
            checks.append(
                .init(
                    name: "paging alerts", passed: pages.isEmpty,
                    detail: pages.isEmpty
                        ? "no paging alert fires"
                        : "paging alert(s) firing: \(pages.map { "\($0.name) (\($0.service))" }.joined(separator: ", "))"
                ))
        } catch {
            checks.append(.init(name: "paging alerts", passed: false, detail: "the alerts cannot be read: \(error)"))
        }
        do {
            let open = try await store.list(IncidentFilter(statuses: IncidentStatus.unresolved, service: pool.service))
                .filter { !$0.cancelled }
            let real = open.filter { $0.kind == .real }.map { "#\($0.id!)" }
            let injected = open.filter { $0.kind == .injected }.map { "#\($0.id!)" }
            checks.append(
                .init(
                    name: "open incidents", passed: open.isEmpty,
                    detail: !real.isEmpty
                        ? "a real incident of \(pool.service) is open (\(real.joined(separator: ", "))): users come first"
                        : !injected.isEmpty
                            ? "an injected incident of \(pool.service) is open (\(injected.joined(separator: ", "))): "
                                + "a game day or an experiment is under way, or was left open"
                            : "no incident of \(pool.service) is open"))
        } catch {
            checks.append(.init(name: "open incidents", passed: false, detail: "the store cannot be read: \(error)"))
        }
        return GuardVerdict(checks: checks)
    }

    /// A paging alert firing on Prometheus.
    struct Page: Sendable, Hashable {
        var name: String
        var service: String
    }

    func firingPages() async throws -> [Page] {
        let samples: [PrometheusSample]
        do {
            samples = try await meter.prometheus.query("ALERTS{alertstate=\"firing\",severity=\"page\"}", at: .now)
        } catch {
            throw IncidentError.unavailable(error.description)
        }
        return Set(samples.map { Page(name: $0.labels["alertname"] ?? "?", service: $0.labels["service"] ?? "?") })
            .sorted { ($0.service, $0.name) < ($1.service, $1.name) }
    }

    /// Watches one running experiment: each call says whether it must be halted now, and why.
    public func watch(spentBefore: [Budget]) -> ExperimentWatch {
        ExperimentWatch(guardian: self, spentBefore: spentBefore)
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.2f %%", share * 100)
    }
}

/// The guard's eye on one running experiment (``ChaosGuard/watch(spentBefore:)``).
public final class ExperimentWatch: Sendable {
    let guardian: ChaosGuard
    let spentBefore: [ChaosGuard.Budget]
    /// When each page of the service not recorded on the experiment's incident was first seen firing.
    private let unexplainedSince = Mutex<[ChaosGuard.Page: Date]>([:])

    init(guardian: ChaosGuard, spentBefore: [ChaosGuard.Budget]) {
        self.guardian = guardian
        self.spentBefore = spentBefore
    }

    /// Why experiment incident `id`, injected at `injectedAt`, must be halted now; nil while it may go on.
    public func haltReason(incident id: Int64, injectedAt: Timestamp) async -> String? {
        let pool = guardian.pool
        do {
            let open = try await guardian.store.list(
                IncidentFilter(statuses: IncidentStatus.unresolved, service: pool.service, kind: .real)
            ).filter { !$0.cancelled }
            if let real = open.first {
                return "a real incident of \(pool.service) opened (#\(real.id!): \(real.title))"
            }
            let detail = try await guardian.store.detail(id)
            for page in try await guardian.firingPages() {
                let recorded =
                    page.service == pool.service
                    && (detail.incident.detection == "alert:\(page.name)"
                        || detail.timeline.contains { $0.text.contains("alert \(page.name) ") })
                if recorded {
                    continue
                }
                let since = unexplainedSince.withLock { seen in
                    if let first = seen[page] { return first }
                    seen[page] = Date()
                    return seen[page]!
                }
                if page.service != pool.service || Date().timeIntervalSince(since) > ChaosGuard.pageGrace {
                    return "paging alert \(page.name) of \(page.service) fires and the experiment does not explain it"
                }
            }
            let now = Timestamp.now
            let elapsed = injectedAt.seconds(until: now)
            guard elapsed >= 2 else { return nil }
            var current = detail.incident
            current.mitigatedAt = nil
            current.resolvedAt = nil
            let measurements = try await guardian.meter.measure(guardian.slos, incidents: [current], now: now)
            for measurement in measurements {
                guard let cost = measurement.incidents.first, let sli = cost.sli else { continue }
                let burn = (1 - sli) / measurement.errorBudget
                let budget = spentBefore.first { $0.slo == measurement.slo && $0.objective == measurement.objective }
                let label = "\(measurement.slo) (\(measurement.objective))"
                if burn > pool.guardrails.stopBurnRate {
                    return "\(label) burned its budget at \(String(format: "%.1f", burn))× over the experiment, "
                        + "above the stop at \(String(format: "%.1f", pool.guardrails.stopBurnRate))×"
                }
                let before = budget?.chaosSpent ?? 0
                // Against the same budget the guard judged before the experiment: bad events per allowed one.
                let allowed =
                    budget?.allowed ?? Double(measurement.windowS) * (cost.events ?? 0) / max(cost.spanS, 1)
                    * measurement.errorBudget
                let spent = allowed > 0 ? (cost.badEvents ?? 0) / allowed : 0
                let ahead = allowed > 0 ? (cost.badEvents ?? 0) / max(cost.spanS, 1) * ChaosGuard.reaction / allowed : 0
                if before + spent + ahead >= pool.guardrails.maxBudgetSpend {
                    return
                        "\(label): the chaos would pass its cap of \(ChaosGuard.percent(pool.guardrails.maxBudgetSpend)) "
                        + "of the budget (\(ChaosGuard.percent(before)) before this experiment, "
                        + "\(ChaosGuard.percent(spent)) in it, burning at \(String(format: "%.1f", burn))×)"
                }
            }
            return nil
        } catch {
            return "the guard cannot measure: \(error)"
        }
    }
}
