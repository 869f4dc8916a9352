import Foundation

/// DORA's four keys of a delivery system, from the deploys in a report's scope and the incidents they caused
/// (docs/contract.md, "Deploys"): how often a service deploys, how long a commit takes to reach production,
/// what share of deploys fail, how fast service is restored after one does.
public struct DeliveryReport: Encodable, Sendable {
    /// The definitions and band thresholds, printed with every report that has deploys.
    public static let definitions: [MetricsReport.Definition] = [
        .init(
            name: "deployment frequency",
            meaning:
                "deploys / days spanned (from --since, else the first deploy, to --until or now, whichever is "
                + "earlier; a period from its start; at least one day)"),
        .init(name: "lead time", meaning: "deployed − committed, for deploys that record their commit time"),
        .init(
            name: "change failure rate",
            meaning: "deploys that ended failed or rolled-back, or caused an incident (not cancelled) / all deploys"),
        .init(
            name: "time to restore",
            meaning:
                "TTR of the incidents caused by the deploys: from the failure's start (not the deploy) to mitigated, "
                + "else resolved; the deploy's lead (failure started − deployed) is reported beside it"),
        .init(name: "bands", meaning: DORABand.thresholdText),
    ]

    /// The figures of one set of deploys: a service's, a period's, or all of them.
    public struct Keys: Encodable, Sendable, Equatable {
        /// The service or period the figures are for; `all` for every deploy in scope.
        public var key: String
        public var deploys: Int
        /// The days the frequency is measured over.
        public var days: Double
        public var deploysPerDay: Double
        public var deploysPerWeek: Double
        @Nullable public var frequencyBand: DORABand?
        /// Committed → deployed, over the deploys that record their commit time.
        public var leadTime: Aggregate
        @Nullable public var leadTimeBand: DORABand?
        /// Deploys that ended failed or rolled-back, or caused an incident.
        public var changeFailures: Int
        @Nullable public var changeFailureRate: Double?
        @Nullable public var changeFailureBand: DORABand?
        /// TTR of the incidents caused by these deploys, from the failure's start.
        public var timeToRestore: Aggregate
        @Nullable public var timeToRestoreBand: DORABand?
        /// Failure started − deployed, for the same incidents: how long the change lay in wait.
        public var failureLead: Aggregate
    }

    public var definitions = DeliveryReport.definitions
    @Nullable public var since: Timestamp?
    @Nullable public var until: Timestamp?
    /// Every deploy in scope.
    public var all: Keys
    /// One row per service, by name.
    public var services: [Keys]
    /// One row per period of the report, from the first deploy's to the last's, empty ones included.
    public var trend: [Keys]
}

/// A DORA performance band.
public enum DORABand: String, Codable, Sendable, CaseIterable, Comparable {
    case elite, high, medium, low

    /// The thresholds used, with their source. DORA's bands overlap and leave gaps between years; these are
    /// the 2019 Accelerate State of DevOps report's, made contiguous.
    public static let thresholdText =
        "from the 2019 Accelerate State of DevOps report (DORA), made contiguous: deployment frequency elite ≥ 1 a "
        + "day, high ≥ 1 a week, medium ≥ 1 a month, else low; lead time (median) elite < 1 day, high < 1 week, "
        + "medium < 1 month, else low; change failure rate elite ≤ 15%, high ≤ 30%, medium ≤ 45%, else low; "
        + "time to restore (median) elite < 1 hour, high < 1 day, medium < 1 week, else low"

    static func frequency(perDay: Double) -> DORABand {
        perDay >= 1 ? .elite : perDay >= 1 / 7 ? .high : perDay >= 1 / 30 ? .medium : .low
    }

    static func leadTime(_ seconds: Double) -> DORABand {
        seconds < 86_400 ? .elite : seconds < 7 * 86_400 ? .high : seconds < 30 * 86_400 ? .medium : .low
    }

    static func changeFailure(_ rate: Double) -> DORABand {
        rate <= 0.15 ? .elite : rate <= 0.30 ? .high : rate <= 0.45 ? .medium : .low
    }

    static func timeToRestore(_ seconds: Double) -> DORABand {
        seconds < 3600 ? .elite : seconds < 86_400 ? .high : seconds < 7 * 86_400 ? .medium : .low
    }

    public static func < (left: DORABand, right: DORABand) -> Bool {
        allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
    }
}

extension DeliveryReport {
    /// One deploy as the four keys need it.
    struct DeployFacts {
        var id: Int64
        var service: String
        var deployedAt: Timestamp
        var leadTime: Double?
        var failedByResult: Bool
    }

    /// One incident a deploy caused, not cancelled.
    struct CausedIncident {
        var deploy: Int64
        /// Failure started − deployed.
        var failureLead: Double
        var ttr: Double?
    }

    /// The four keys of `deploys` (oldest first), per service and per period of `request`.
    init(deploys: [DeployFacts], caused: [CausedIncident], request: ReportRequest) {
        let causes = Dictionary(grouping: caused, by: \.deploy)
        let end = min(request.until ?? request.now, request.now)
        func keys(_ key: String, _ deploys: [DeployFacts], from start: Timestamp?, to end: Timestamp) -> Keys {
            let days = max(1, (start ?? end).seconds(until: end) / 86_400)
            let incidents = deploys.flatMap { causes[$0.id] ?? [] }
            let failures = deploys.count { $0.failedByResult || causes[$0.id] != nil }
            let leadTime = Aggregate(deploys.compactMap(\.leadTime))
            let restore = Aggregate(incidents.compactMap(\.ttr))
            let rate = deploys.isEmpty ? nil : Double(failures) / Double(deploys.count)
            let perDay = Double(deploys.count) / days
            return Keys(
                key: key, deploys: deploys.count, days: Aggregate.milliseconds(days),
                deploysPerDay: Aggregate.milliseconds(perDay), deploysPerWeek: Aggregate.milliseconds(perDay * 7),
                frequencyBand: deploys.isEmpty ? nil : DORABand.frequency(perDay: perDay),
                leadTime: leadTime, leadTimeBand: leadTime.median.map(DORABand.leadTime),
                changeFailures: failures, changeFailureRate: rate, changeFailureBand: rate.map(DORABand.changeFailure),
                timeToRestore: restore, timeToRestoreBand: restore.median.map(DORABand.timeToRestore),
                failureLead: Aggregate(incidents.map(\.failureLead)))
        }
        let start = request.since ?? deploys.first?.deployedAt
        since = request.since
        until = request.until
        all = keys("all", deploys, from: start, to: end)
        services = Dictionary(grouping: deploys, by: \.service).sorted { $0.key < $1.key }.map {
            keys($0.key, $0.value, from: start, to: end)
        }
        trend = Self.periods(of: deploys, request: request).map { period in
            keys(
                period.label, period.deploys, from: max(period.start, request.since ?? period.start),
                to: min(period.end, end))
        }
    }

    /// The periods of `request` from the first deploy's to the last's, each with its deploys.
    private static func periods(of deploys: [DeployFacts], request: ReportRequest)
        -> [(label: String, start: Timestamp, end: Timestamp, deploys: [DeployFacts])]
    {
        guard let first = deploys.first, let last = deploys.last else { return [] }
        let calendar = ReportPeriod.calendar(in: request.timeZone)
        var periods: [(label: String, start: Timestamp, end: Timestamp, deploys: [DeployFacts])] = []
        var start = request.period.start(of: first.deployedAt.date, in: calendar)
        var remaining = deploys[...]
        while start <= last.deployedAt.date {
            let end = request.period.next(after: start, in: calendar)
            let inPeriod = remaining.prefix { $0.deployedAt.date < end }
            remaining = remaining.dropFirst(inPeriod.count)
            periods.append(
                (
                    request.period.label(of: start, in: calendar), Timestamp(start), Timestamp(end),
                    Array(inPeriod)
                ))
            start = end
        }
        return periods
    }
}
