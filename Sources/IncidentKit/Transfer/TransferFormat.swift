/// The file formats of `incident export` and `incident import`.
public enum TransferFormat: String, CaseIterable, Sendable {
    /// One incident a line, as `incident show --json` prints it but compact, timeline and actions inside.
    case jsonl
    /// One row a record: an `incident` row followed by its `event` and `action` rows (column `record`).
    case csv
}

/// What an import wrote, or would write with `--dry-run`.
public struct ImportSummary: Sendable, Equatable {
    public var incidents = 0
    public var events = 0
    public var actions = 0
    /// Incidents the database held already, identical to the file's record: skipped.
    public var known = 0
    public var deploys = 0
    /// Deploys the database held already, identical to the file's record: skipped.
    public var knownDeploys = 0
}
