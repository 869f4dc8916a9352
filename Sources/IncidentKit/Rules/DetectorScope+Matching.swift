extension DetectorScope {
    /// Whether the detector speaks for `incident`: one of its service whose recorded target is the one it
    /// watches, or that records no target.
    public func covers(_ incident: Incident) -> Bool {
        incident.service == service && (incident.target == nil || target == nil || incident.target == target)
    }

    /// The incident a detector's finding at `at` is about, among `candidates` (any incidents, in any order):
    /// of those it covers that are ongoing at `at` (started by then, not mitigated, resolved or cancelled),
    /// an injected one before a real one, then the most recently started, then the newest.
    public func ongoing(among candidates: [Incident], at: Timestamp) -> Incident? {
        candidates.filter { incident in
            covers(incident) && !incident.cancelled && incident.mitigatedAt == nil && incident.resolvedAt == nil
                && incident.startedAt <= at
        }.max { $0.detectionRank < $1.detectionRank }
    }
}

extension Incident {
    /// How a finding (a prober's, an alert's) ranks an ongoing incident as the one it is about, higher first:
    /// injected before real, then the most recently started, then the newest.
    var detectionRank: (injected: Int, startedAt: Timestamp, id: Int64) {
        (kind == .injected ? 1 : 0, startedAt, id ?? 0)
    }
}
