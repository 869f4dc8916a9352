import Foundation

/// Which incidents a report covers and how it cuts time.
public struct ReportRequest: Sendable {
    /// Only incidents that started at or after this time.
    public var since: Timestamp?
    /// Only incidents that started before this time.
    public var until: Timestamp?
    public var period: ReportPeriod
    /// Only incidents whose service matches this glob (`*`, `?`, `[…]`; `ci/*` is every pipeline).
    public var service: String?
    public var kind: IncidentKind?
    public var severity: Severity?
    /// The moment ages of open incidents are measured against.
    public var now: Timestamp
    /// The zone in which periods begin and end.
    public var timeZone: TimeZone

    public init(
        since: Timestamp? = nil, until: Timestamp? = nil, period: ReportPeriod = .month,
        service: String? = nil, kind: IncidentKind? = nil, severity: Severity? = nil,
        now: Timestamp = .now, timeZone: TimeZone = .current
    ) {
        self.since = since
        self.until = until
        self.period = period
        self.service = service
        self.kind = kind
        self.severity = severity
        self.now = now
        self.timeZone = timeZone
    }
}
