/// Which incidents `incident list` shows.
public struct IncidentFilter: Sendable {
    /// Only incidents in one of these statuses; all when empty.
    public var statuses: [IncidentStatus]
    /// Only incidents whose service matches this glob (`*`, `?`, `[…]`; `ci/*` is every pipeline).
    public var service: String?
    public var severity: Severity?
    public var kind: IncidentKind?
    /// Only incidents that started at or after this time.
    public var since: Timestamp?
    public var limit: Int?

    public init(
        statuses: [IncidentStatus] = [], service: String? = nil, severity: Severity? = nil,
        kind: IncidentKind? = nil, since: Timestamp? = nil, limit: Int? = nil
    ) {
        self.statuses = statuses
        self.service = service
        self.severity = severity
        self.kind = kind
        self.since = since
        self.limit = limit
    }
}

extension IncidentStatus {
    /// The statuses of incidents not resolved and not cancelled: still burning, or at least not closed.
    public static let unresolved: [IncidentStatus] = [.open, .detected, .acknowledged, .mitigated]
}
