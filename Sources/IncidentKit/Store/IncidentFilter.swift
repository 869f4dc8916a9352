/// Which incidents `incident list` shows.
public struct IncidentFilter: Sendable {
    public var status: IncidentStatus?
    public var service: String?
    public var severity: Severity?
    public var kind: IncidentKind?
    /// Only incidents that started at or after this time.
    public var since: Timestamp?
    public var limit: Int?

    public init(
        status: IncidentStatus? = nil, service: String? = nil, severity: Severity? = nil,
        kind: IncidentKind? = nil, since: Timestamp? = nil, limit: Int? = nil
    ) {
        self.status = status
        self.service = service
        self.severity = severity
        self.kind = kind
        self.since = since
        self.limit = limit
    }
}
