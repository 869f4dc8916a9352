import Foundation

/// Everything `incident report` shows, every duration in seconds (docs/contract.md, "Metric definitions").
public struct MetricsReport: Encodable, Sendable {
    /// How many incidents a list in the report holds at most (the newest); totals count them all.
    public static let listLimit = 100

    /// The metric definitions, printed with every report.
    public static let definitions: [Definition] = [
        Definition(name: "TTD", meaning: "time to detect: detected − started; exact for injected incidents"),
        Definition(name: "TTA", meaning: "time to acknowledge: acknowledged − detected"),
        Definition(
            name: "TTR",
            meaning: "time to recover: mitigated (else resolved) − started; for a CI pipeline (ci/…), time to green"),
        Definition(name: "TTC", meaning: "time to close: resolved − started"),
        Definition(name: "MTBF", meaning: "gap between consecutive starts of incidents of one service"),
        Definition(name: "p90", meaning: "90th percentile, linear interpolation between closest ranks (numpy)"),
        Definition(
            name: "detection rate",
            meaning: "resolved injected incidents that were detected / resolved injected incidents"),
        Definition(
            name: "counted", meaning: "resolved incidents only; open ones are listed, cancelled ones never count"),
    ]

    public struct Definition: Encodable, Sendable {
        public var name: String
        public var meaning: String
    }

    public struct Filters: Encodable, Sendable {
        @Nullable public var since: Timestamp?
        @Nullable public var until: Timestamp?
        public var period: ReportPeriod
        @Nullable public var service: String?
        @Nullable public var kind: IncidentKind?
        @Nullable public var severity: Severity?
        public var timeZone: String
    }

    /// How many incidents are in each status.
    public struct Counts: Encodable, Sendable, Equatable {
        public var total = 0
        public var open = 0
        public var detected = 0
        public var acknowledged = 0
        public var mitigated = 0
        public var resolved = 0
        public var cancelled = 0
    }

    /// The four durations and MTBF over one set of resolved incidents.
    public struct Stats: Encodable, Sendable, Equatable {
        public var ttd: Aggregate
        public var tta: Aggregate
        public var ttr: Aggregate
        public var ttc: Aggregate
        public var mtbf: Aggregate
    }

    public struct Overall: Encodable, Sendable {
        public var all: Stats
        public var injected: Stats
        public var real: Stats
    }

    /// An incident not resolved yet, with how long it has been going on.
    public struct OpenIncident: Encodable, Sendable, Equatable {
        public var id: Int64
        public var title: String
        public var service: String
        public var severity: Severity
        public var status: IncidentStatus
        public var startedAt: Timestamp
        public var ageS: Double
    }

    /// One period of the trend.
    public struct PeriodRow: Encodable, Sendable, Equatable {
        public var period: String
        public var start: Timestamp
        /// Incidents that started in the period, cancelled ones excepted.
        public var count: Int
        public var ttd: Aggregate
        public var ttr: Aggregate
        /// The change against the previous period; nil for the first.
        @Nullable public var change: Change?
    }

    /// Differences against the previous period: current minus previous.
    public struct Change: Encodable, Sendable, Equatable {
        public var count: Int
        @Nullable public var medianTtdS: Double?
        @Nullable public var medianTtrS: Double?
    }

    /// The incidents sharing one value of a dimension (a service, a severity, a fault type…).
    public struct Group: Encodable, Sendable, Equatable {
        /// The value; nil for incidents without one (no fault, not detected, no cause category yet).
        @Nullable public var key: String?
        /// Incidents with this value, cancelled ones excepted.
        public var count: Int
        public var ttd: Aggregate
        public var ttr: Aggregate
    }

    public struct Breakdowns: Encodable, Sendable {
        public var service: [Group]
        public var severity: [Group]
        public var faultType: [Group]
        public var detection: [Group]
        public var causeCategory: [Group]
    }

    /// How well injected failures were noticed.
    public struct DetectionScorecard: Encodable, Sendable {
        public var injected: Int
        public var detected: Int
        @Nullable public var rate: Double?
        public var byFaultType: [FaultDetection]
        public var byMethod: [MethodDetection]
        public var undetected: [IncidentReference]
        /// Undetected injected failures a detector fired on only after they had recovered.
        public var detectedAfterRecovery: Int
    }

    public struct FaultDetection: Encodable, Sendable, Equatable {
        @Nullable public var faultType: String?
        public var injected: Int
        public var detected: Int
        public var rate: Double
        @Nullable public var medianTtdS: Double?
    }

    public struct MethodDetection: Encodable, Sendable, Equatable {
        @Nullable public var method: String?
        public var detected: Int
        @Nullable public var medianTtdS: Double?
    }

    public struct IncidentReference: Encodable, Sendable, Equatable {
        public var id: Int64
        public var title: String
        @Nullable public var fault: String?
        public var startedAt: Timestamp
    }

    /// A real incident whose service and cause category repeat those of an earlier real incident in the report.
    public struct Recurrence: Encodable, Sendable, Equatable {
        public var id: Int64
        public var title: String
        public var startedAt: Timestamp
        public var service: String
        public var causeCategory: String
        public var earlierId: Int64
        public var earlierStartedAt: Timestamp
        /// A `prevent` action of an earlier incident of the same kind, done before this one started:
        /// the preventive change did not work.
        @Nullable public var failedPrevention: Prevention?
    }

    public struct Prevention: Encodable, Sendable, Equatable {
        public var actionId: Int64
        public var incidentId: Int64
        public var title: String
        public var closedAt: Timestamp
    }

    public var generatedAt: Timestamp
    public var filters: Filters
    public var definitions: [Definition] = MetricsReport.definitions
    public var counts: Counts
    public var overall: Overall
    public var openIncidents: [OpenIncident]
    public var trend: [PeriodRow]
    public var breakdowns: Breakdowns
    public var detection: DetectionScorecard
    public var recurrences: [Recurrence]
    /// DORA's four keys of the deploys in scope (by deploy time and service; kind and severity do not apply).
    public var delivery: DeliveryReport
}
