import Foundation
import GRDB

/// How bad an incident is: `sev1` is the worst.
public enum Severity: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case sev1, sev2, sev3, sev4
}

/// Whether a failure was caused on purpose (so its start time is known exactly) or happened by itself.
public enum IncidentKind: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case injected, real
}

/// Where an incident stands, derived from its timestamps and the cancelled flag.
public enum IncidentStatus: String, Codable, CaseIterable, Sendable {
    case open, detected, acknowledged, mitigated, resolved, cancelled

    /// The status that the cancelled flag and the lifecycle times give: the latest step reached.
    init(cancelled: Bool, detected: Timestamp?, acknowledged: Timestamp?, mitigated: Timestamp?,
         resolved: Timestamp?) {
        self = cancelled ? .cancelled : resolved != nil ? .resolved : mitigated != nil ? .mitigated
            : acknowledged != nil ? .acknowledged : detected != nil ? .detected : .open
    }

    /// The SQL condition selecting incidents in this status; it mirrors ``init(cancelled:detected:acknowledged:mitigated:resolved:)``.
    var sqlCondition: String {
        switch self {
        case .cancelled: "cancelled"
        case .resolved: "NOT cancelled AND resolved_at IS NOT NULL"
        case .mitigated: "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NOT NULL"
        case .acknowledged:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NOT NULL"
        case .detected:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NULL AND detected_at IS NOT NULL"
        case .open:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NULL AND detected_at IS NULL"
        }
    }
}

/// The kind of a preventive change that an incident led to.
public enum ActionKind: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case prevent, detect, mitigate, process
}

/// Whether an action item is still to do.
public enum ActionStatus: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case open, done, dropped
}

/// How an incident was noticed: `alert`, `probe`, `customer`, `manual`, `other`, or `alert:NAME`.
public enum Detection {
    public static let methods = ["alert", "probe", "customer", "manual", "other"]

    /// Returns the canonical spelling, or throws when the text names no known method.
    public static func validated(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let method = trimmed.split(separator: ":", maxSplits: 1).first.map { String($0).lowercased() } ?? ""
        let isNamedAlert = method == "alert" && trimmed.count > "alert:".count
            && trimmed.dropFirst("alert:".count).allSatisfy { !$0.isWhitespace }
        guard methods.contains(trimmed.lowercased()) || isNamedAlert else {
            throw IncidentError.invalidInput(
                "unknown detection '\(text)'; use one of \(methods.joined(separator: ", ")) or alert:NAME")
        }
        return isNamedAlert ? "alert:" + trimmed.dropFirst("alert:".count) : trimmed.lowercased()
    }
}

/// One failure, from the moment it started to its resolution (DESIGN.md §3).
public struct Incident: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var title: String
    public var service: String
    public var severity: Severity
    public var kind: IncidentKind
    /// The injected fault: its type, then its parameters (`latency ms=800`).
    public var fault: String?
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
        case id, title, service, severity, kind, fault
        case startedAt = "started_at", detectedAt = "detected_at", acknowledgedAt = "acknowledged_at"
        case mitigatedAt = "mitigated_at", resolvedAt = "resolved_at"
        case detection, cause, causeCategory = "cause_category", fix, summary, impact, trigger, lessons
        case cancelled, cancelReason = "cancel_reason"
    }

    public init(title: String, service: String = "app", severity: Severity = .sev3, kind: IncidentKind = .real,
                fault: String? = nil, startedAt: Timestamp) {
        self.title = title
        self.service = service
        self.severity = severity
        self.kind = kind
        self.fault = fault
        self.startedAt = startedAt
        cancelled = false
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

    public var status: IncidentStatus {
        IncidentStatus(cancelled: cancelled, detected: detectedAt, acknowledged: acknowledgedAt,
                       mitigated: mitigatedAt, resolved: resolvedAt)
    }

    /// The lifecycle timestamps in the order they must keep, each with the name users know it by.
    public var lifecycle: [(name: String, time: Timestamp?)] {
        [("started", startedAt), ("detected", detectedAt), ("acknowledged", acknowledgedAt),
         ("mitigated", mitigatedAt), ("resolved", resolvedAt)]
    }

    /// The durations of DESIGN.md §4, in seconds; nil where a timestamp is missing.
    public var durations: Durations {
        Durations(ttd: Timestamp.seconds(from: startedAt, to: detectedAt),
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
        case ttd = "ttd_s", tta = "tta_s", ttr = "ttr_s", ttc = "ttc_s"
    }
}

/// One entry of an incident's append-only timeline: a state change, a correction or a note.
public struct TimelineEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var incidentId: Int64
    /// When it happened.
    public var at: Timestamp
    /// `opened`, `detected`, `acknowledged`, `mitigated`, `resolved`, `cancelled`, `reopened`, `edited`,
    /// `note`, `action_added`, `action_done`, `action_dropped`.
    public var kind: String
    public var text: String
    public var author: String
    /// When it was written down, which may be long after `at` for a back-filled event.
    public var recordedAt: Timestamp

    public static let databaseTableName = "timeline_event"

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, incidentId = "incident_id", at, kind, text, author, recordedAt = "recorded_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A change that an incident led to, so that it does not happen again or is caught sooner.
public struct ActionItem: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var incidentId: Int64
    public var title: String
    public var kind: ActionKind
    public var owner: String?
    /// A calendar day, `YYYY-MM-DD`.
    public var due: String?
    public var url: String?
    public var status: ActionStatus
    public var createdAt: Timestamp
    public var closedAt: Timestamp?
    public var closeReason: String?

    public static let databaseTableName = "action_item"

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, incidentId = "incident_id", title, kind, owner, due, url, status
        case createdAt = "created_at", closedAt = "closed_at", closeReason = "close_reason"
    }

    public init(incidentId: Int64, title: String, kind: ActionKind = .prevent, owner: String? = nil,
                due: String? = nil, url: String? = nil, createdAt: Timestamp) {
        self.incidentId = incidentId
        self.title = title
        self.kind = kind
        self.owner = owner
        self.due = due
        self.url = url
        status = .open
        self.createdAt = createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(incidentId, forKey: .incidentId)
        try container.encode(title, forKey: .title)
        try container.encode(kind, forKey: .kind)
        try container.encode(owner, forKey: .owner)
        try container.encode(due, forKey: .due)
        try container.encode(url, forKey: .url)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(closeReason, forKey: .closeReason)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An incident as listed: its fields with status and durations, without timeline and actions.
public struct IncidentSummary: Encodable, Sendable {
    public var incident: Incident

    public init(_ incident: Incident) {
        self.incident = incident
    }

    enum ExtraKeys: String, CodingKey {
        case status, durations
    }

    public func encode(to encoder: any Encoder) throws {
        try incident.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(incident.status, forKey: .status)
        try container.encode(incident.durations, forKey: .durations)
    }
}

/// An incident with everything recorded about it: the shape of `incident show --json` and of each line
/// of `incident export`. Decoding ignores the derived `status` and `durations`.
public struct IncidentDetail: Codable, Sendable, Equatable {
    public var incident: Incident
    public var timeline: [TimelineEvent]
    public var actions: [ActionItem]

    public init(incident: Incident, timeline: [TimelineEvent], actions: [ActionItem]) {
        self.incident = incident
        self.timeline = timeline
        self.actions = actions
    }

    enum ExtraKeys: String, CodingKey {
        case timeline, actions
    }

    public init(from decoder: any Decoder) throws {
        incident = try Incident(from: decoder)
        let container = try decoder.container(keyedBy: ExtraKeys.self)
        timeline = try container.decodeIfPresent([TimelineEvent].self, forKey: .timeline) ?? []
        actions = try container.decodeIfPresent([ActionItem].self, forKey: .actions) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        try IncidentSummary(incident).encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(timeline, forKey: .timeline)
        try container.encode(actions, forKey: .actions)
    }
}
