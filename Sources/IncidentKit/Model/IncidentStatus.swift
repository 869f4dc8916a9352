/// Where an incident stands, derived from its timestamps and the cancelled flag.
public enum IncidentStatus: String, Codable, CaseIterable, Sendable {
    case open, detected, acknowledged, mitigated, resolved, cancelled

    /// The status that the cancelled flag and the lifecycle times give: the latest step reached.
    init(
        cancelled: Bool, detected: Timestamp?, acknowledged: Timestamp?, mitigated: Timestamp?,
        resolved: Timestamp?
    ) {
        self =
            cancelled
            ? .cancelled
            : resolved != nil
                ? .resolved
                : mitigated != nil
                    ? .mitigated
                    : acknowledged != nil ? .acknowledged : detected != nil ? .detected : .open
    }
}
