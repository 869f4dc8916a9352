import Foundation
import GRDB

/// One failure, from the moment it started to its resolution (docs/contract.md, "Data model").
public struct Incident: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var title: String
    public var service: String
    public var severity: Severity
    public var kind: IncidentKind
    /// The injected fault in its canonical text (`latency ms=800 jitter_ms=0`); see ``IncidentFault``.
    public var fault: String?
    /// The base URL of the service the fault was injected into by `incident inject`.
    public var target: String?
    /// The id the target's admin API gave the fault, to clear it by.
    public var faultId: Int64?
    /// The deploy that caused it (``Deploy``), when a person has said so.
    public var causedBy: Int64?
    public var startedAt: Timestamp
    public var detectedAt: Timestamp?
    public var acknowledgedAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var detection: String?
    public var cause: String?
    public var causeCategory: String?
    public var fix: String?
    public var summary: String?
    public var impact: String?
    public var trigger: String?
    public var lessons: String?
    public var cancelled: Bool
    public var cancelReason: String?

    public static let databaseTableName = "incident"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id, title, service, severity, kind, fault, target
        case faultId = "fault_id"
        case causedBy = "caused_by"
        case startedAt = "started_at"
        case detectedAt = "detected_at"
        case acknowledgedAt = "acknowledged_at"
        case mitigatedAt = "mitigated_at"
        case resolvedAt = "resolved_at"
        case detection, cause
        case causeCategory = "cause_category"
        case fix, summary, impact, trigger, lessons
        case cancelled
        case cancelReason = "cancel_reason"
    }

    public init(
        title: String, service: String = "app", severity: Severity = .sev3, kind: IncidentKind = .real,
        fault: String? = nil, startedAt: Timestamp
    ) {
        self.title = title
        self.service = service
        self.severity = severity
        self.kind = kind
        self.fault = fault
        self.startedAt = startedAt
        cancelled = false
    }

    /// Reads a stored row, each column once and in the table's order (GRDB's `Decodable` path looks each one
    /// up by name three times: a listing of a whole history spent a fifth of its time there).
    public init(row: Row) throws {
        var columns = RowReader(row)
        id = try columns.value(CodingKeys.id)
        title = try columns.value(CodingKeys.title)
        service = try columns.value(CodingKeys.service)
        severity = try columns.value(CodingKeys.severity)
        kind = try columns.value(CodingKeys.kind)
        fault = try columns.value(CodingKeys.fault)
        startedAt = try columns.value(CodingKeys.startedAt)
        detectedAt = try columns.value(CodingKeys.detectedAt)
        acknowledgedAt = try columns.value(CodingKeys.acknowledgedAt)
        mitigatedAt = try columns.value(CodingKeys.mitigatedAt)
        resolvedAt = try columns.value(CodingKeys.resolvedAt)
        detection = try columns.value(CodingKeys.detection)
        cause = try columns.value(CodingKeys.cause)
        causeCategory = try columns.value(CodingKeys.causeCategory)
        fix = try columns.value(CodingKeys.fix)
        summary = try columns.value(CodingKeys.summary)
        impact = try columns.value(CodingKeys.impact)
        trigger = try columns.value(CodingKeys.trigger)
        lessons = try columns.value(CodingKeys.lessons)
        cancelled = try columns.value(CodingKeys.cancelled)
        cancelReason = try columns.value(CodingKeys.cancelReason)
        target = try columns.value(CodingKeys.target)
        faultId = try columns.value(CodingKeys.faultId)
        causedBy = try columns.value(CodingKeys.causedBy)
    }

    /// Writes every field, absent ones as explicit `null`, so that JSON readers see the whole shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(service, forKey: .service)
        try container.encode(severity, forKey: .severity)
        try container.encode(kind, forKey: .kind)
        try container.encode(fault, forKey: .fault)
        try container.encode(target, forKey: .target)
        try container.encode(faultId, forKey: .faultId)
        try container.encode(causedBy, forKey: .causedBy)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(detectedAt, forKey: .detectedAt)
        try container.encode(acknowledgedAt, forKey: .acknowledgedAt)
        try container.encode(mitigatedAt, forKey: .mitigatedAt)
        try container.encode(resolvedAt, forKey: .resolvedAt)
        try container.encode(detection, forKey: .detection)
        try container.encode(cause, forKey: .cause)
        try container.encode(causeCategory, forKey: .causeCategory)
        try container.encode(fix, forKey: .fix)
        try container.encode(summary, forKey: .summary)
        try container.encode(impact, forKey: .impact)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(lessons, forKey: .lessons)
        try container.encode(cancelled, forKey: .cancelled)
        try container.encode(cancelReason, forKey: .cancelReason)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The type of the injected fault (`latency`, …, or `other`): the key the report groups faults by.
    public var faultType: String? { fault.map(IncidentFault.type(of:)) }

    public var status: IncidentStatus {
        IncidentStatus(
            cancelled: cancelled, detected: detectedAt, acknowledged: acknowledgedAt,
            mitigated: mitigatedAt, resolved: resolvedAt)
    }

    /// The lifecycle timestamps in the order they must keep, each with the name users know it by.
    public var lifecycle: [(name: String, time: Timestamp?)] {
        [
            ("started", startedAt), ("detected", detectedAt), ("acknowledged", acknowledgedAt),
            ("mitigated", mitigatedAt), ("resolved", resolvedAt),
        ]
    }

    /// The durations of docs/contract.md ("Metric definitions"), in seconds; nil where a timestamp is missing.
    public var durations: Durations {
        Durations(
            ttd: Timestamp.seconds(from: startedAt, to: detectedAt),
            tta: Timestamp.seconds(from: detectedAt, to: acknowledgedAt),
            ttr: Timestamp.seconds(from: startedAt, to: mitigatedAt ?? resolvedAt),
            ttc: Timestamp.seconds(from: startedAt, to: resolvedAt))
    }
}

/// Time to detect, acknowledge, recover and close one incident, in seconds.
public struct Durations: Encodable, Sendable, Equatable {
    @Nullable public var ttd: Double?
    @Nullable public var tta: Double?
    @Nullable public var ttr: Double?
    @Nullable public var ttc: Double?

    public init(ttd: Double?, tta: Double?, ttr: Double?, ttc: Double?) {
        self.ttd = ttd
        self.tta = tta
        self.ttr = ttr
        self.ttc = ttc
    }

    enum CodingKeys: String, CodingKey {
        case ttd = "ttd_s"
        case tta = "tta_s"
        case ttr = "ttr_s"
        case ttc = "ttc_s"
    }
}

extension Incident: RecordFields {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
    /// Fields added after exports were first written: a file written before them may lack them (as null).
    static let laterFieldNames: Set<String> = [CodingKeys.causedBy.rawValue]
}
