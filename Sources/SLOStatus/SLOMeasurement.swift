import Foundation
import IncidentKit
import SLOKit

/// What Prometheus measured of one objective of one SLO: the SLI over the SLO's window, the error budget
/// and how much of it is left, and what each incident of the SLO's service in the window cost
/// (`incident slo status`). A figure Prometheus had no data for is nil, never made up.
public struct SLOMeasurement: Encodable, Sendable {
    public var slo: String
    public var displayName: String
    public var service: String
    public var file: String
    public var objective: String
    public var target: Double
    /// The window in seconds, in the profile measured (the lab's is the production one × 1/60).
    public var windowS: Int
    public var window: String
    /// Events counted over the window, and the bad ones among them.
    @Nullable public var events: Double?
    @Nullable public var badEvents: Double?
    /// Share of good events over the window.
    @Nullable public var sli: Double?
    /// Share of events that may be bad: 1 − target.
    public var errorBudget: Double
    /// Share of the budget spent over the window (bad share / budget); above 1 when overspent.
    @Nullable public var budgetSpent: Double?
    /// 1 − budget spent; negative when overspent.
    @Nullable public var budgetRemaining: Double?
    /// The incidents of the service that started in the window, oldest first.
    public var incidents: [IncidentCost]
    public var injected: CostTotal
    public var real: CostTotal

    /// The SLI over one incident, from its start to its recovery (mitigated, else resolved, else now).
    public struct IncidentCost: Encodable, Sendable {
        public var id: Int64
        public var title: String
        public var kind: IncidentKind
        public var startedAt: Timestamp
        /// Nil while it is not recovered: measured up to now.
        @Nullable public var recoveredAt: Timestamp?
        public var spanS: Double
        @Nullable public var events: Double?
        @Nullable public var badEvents: Double?
        @Nullable public var sli: Double?
        /// The share of the window's error budget its bad events spent.
        @Nullable public var budgetSpent: Double?
    }

    /// The incidents of one kind and the budget they spent together (of those Prometheus had data for).
    public struct CostTotal: Encodable, Sendable {
        public var incidents: Int
        public var measured: Int
        @Nullable public var budgetSpent: Double?
    }
}

/// Measures SLOs on Prometheus.
public struct SLOMeter: Sendable {
    public var prometheus: PrometheusClient
    public var profile: RuleProfile

    public init(prometheus: PrometheusClient, profile: RuleProfile) {
        self.prometheus = prometheus
        self.profile = profile
    }

    /// Every objective of `slos` at `now`, with the cost of each of `incidents` (those of the SLO's service,
    /// not cancelled, started in its window). A query Prometheus refuses is an ``IncidentError/malformed(_:)``
    /// naming the SLO file and quoting Prometheus; an unreachable Prometheus is
    /// ``IncidentError/unavailable(_:)``.
    public func measure(_ slos: [SLO], incidents: [Incident], now: Timestamp) async throws -> [SLOMeasurement] {
        var measurements: [SLOMeasurement] = []
        for slo in slos {
            let window = profile.seconds(slo.window)
            let start = now.adding(seconds: -Double(window))
            let relevant = incidents.filter {
                $0.service == slo.service && !$0.cancelled && $0.startedAt >= start && $0.startedAt <= now
            }.sorted { ($0.startedAt, $0.id ?? 0) < ($1.startedAt, $1.id ?? 0) }
            for objective in slo.objectives {
                let events = slo.events(for: objective)
                let budget = NSDecimalNumber(decimal: objective.errorBudget).doubleValue
                let (total, bad) = try await count(events, over: WindowDuration.text(window), at: now, slo: slo)
                let allowed = total.map { $0 * budget }
                var costs: [SLOMeasurement.IncidentCost] = []
                for incident in relevant {
                    let end = min(incident.mitigatedAt ?? incident.resolvedAt ?? now, now)
                    let span = incident.startedAt.seconds(until: end)
                    let (spanTotal, spanBad) =
                        span >= 1
                        ? try await count(
                            events, over: WindowDuration.text(milliseconds: Int((span * 1000).rounded())), at: end,
                            slo: slo)
                        : (nil, nil)
                    costs.append(
                        .init(
                            id: incident.id ?? 0, title: incident.title, kind: incident.kind,
                            startedAt: incident.startedAt, recoveredAt: incident.mitigatedAt ?? incident.resolvedAt,
                            spanS: span, events: spanTotal, badEvents: spanBad,
                            sli: Self.goodShare(total: spanTotal, bad: spanBad),
                            budgetSpent: Self.share(spanBad, of: allowed)))
                }
                let sli = Self.goodShare(total: total, bad: bad)
                let spent = sli.map { (1 - $0) / budget }
                measurements.append(
                    SLOMeasurement(
                        slo: slo.name, displayName: slo.displayName, service: slo.service, file: slo.file,
                        objective: objective.label, target: NSDecimalNumber(decimal: objective.target).doubleValue,
                        windowS: window, window: WindowDuration.text(window), events: total, badEvents: bad, sli: sli,
                        errorBudget: budget, budgetSpent: spent, budgetRemaining: spent.map { 1 - $0 },
                        incidents: costs, injected: Self.total(costs, .injected), real: Self.total(costs, .real)))
            }
        }
        return measurements
    }

    /// All events and bad events over `range` (a Prometheus duration) before `time`; nil when Prometheus has no
    /// series of them.
    private func count(_ events: EventQueries, over range: String, at time: Timestamp, slo: SLO) async throws
        -> (total: Double?, bad: Double?)
    {
        guard let total = try await value(PromQL.increase(events.total, range), at: time, slo: slo) else {
            return (nil, nil)
        }
        switch events.bad {
        case .counted(let selector):
            // No series of bad events while events are counted: none was bad yet.
            return (total, try await value(PromQL.increase(selector, range), at: time, slo: slo) ?? 0)
        case .complement(let good):
            let good = try await value(PromQL.increase(good, range), at: time, slo: slo) ?? 0
            return (total, max(total - good, 0))
        }
    }

    private func value(_ query: String, at time: Timestamp, slo: SLO) async throws -> Double? {
        do {
            return try await prometheus.query(query, at: time).first?.value
        } catch .rejected(let reason) {
            throw IncidentError.malformed(
                "Prometheus at \(prometheus.url) refused a query made from \(slo.file) (SLO \(slo.name)): \(query): "
                    + "\(reason); fix the query under spec.indicator of that file")
        } catch .unreachable(let reason) {
            throw IncidentError.unavailable(
                "\(reason); start Prometheus, or pass --prometheus (or set PROMETHEUS_URL) with its address. "
                    + "No figure is shown without it")
        }
    }

    static func goodShare(total: Double?, bad: Double?) -> Double? {
        guard let total, let bad, total > 0 else { return nil }
        return 1 - min(bad / total, 1)
    }

    static func share(_ part: Double?, of whole: Double?) -> Double? {
        guard let part, let whole, whole > 0 else { return nil }
        return part / whole
    }

    static func total(_ costs: [SLOMeasurement.IncidentCost], _ kind: IncidentKind) -> SLOMeasurement.CostTotal {
        let ofKind = costs.filter { $0.kind == kind }
        let measured = ofKind.compactMap(\.budgetSpent)
        return .init(
            incidents: ofKind.count, measured: measured.count,
            budgetSpent: measured.isEmpty ? nil : measured.reduce(0, +))
    }
}
