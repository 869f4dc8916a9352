import GRDB

/// What a timeline entry records.
public enum TimelineEventKind: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    /// The incident was opened, or its fault injected.
    case opened
    case detected, acknowledged, mitigated, resolved, cancelled, reopened
    /// A field was corrected or completed: the text holds the old and the new value.
    case edited
    /// Free text from a responder.
    case note
    case actionAdded = "action_added"
    case actionDone = "action_done"
    case actionDropped = "action_dropped"
    /// The injected fault was removed from the target (`incident clear`, or a game day's step ending).
    case faultCleared = "fault_cleared"
    /// The injected fault ended by itself when its duration ran out.
    case faultExpired = "fault_expired"
    /// A detector fired only after the incident had recovered, which nothing had detected in time.
    case lateDetection = "late_detection"
    /// A run of the CI pipeline a pipeline incident is about finished: its id, attempt, conclusion and URL.
    case pipelineRun = "pipeline_run"
}

/// One entry of an incident's append-only timeline: a state change, a correction or a note.
public struct TimelineEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var incidentId: Int64
    /// When it happened.
    public var at: Timestamp
    public var kind: TimelineEventKind
    public var text: String
    public var author: String
    /// When it was written down, which may be long after `at` for a back-filled event.
    public var recordedAt: Timestamp

    public static let databaseTableName = "timeline_event"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id
        case incidentId = "incident_id"
        case at, kind, text, author
        case recordedAt = "recorded_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension TimelineEvent {
    /// Reads a stored row, each column once (see ``Incident/init(row:)``).
    public init(row: Row) throws {
        var columns = RowReader(row)
        id = try columns.value(CodingKeys.id)
        incidentId = try columns.value(CodingKeys.incidentId)
        at = try columns.value(CodingKeys.at)
        kind = try columns.value(CodingKeys.kind)
        text = try columns.value(CodingKeys.text)
        author = try columns.value(CodingKeys.author)
        recordedAt = try columns.value(CodingKeys.recordedAt)
    }
}

extension TimelineEvent: RecordFields {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}
