import Foundation
import GRDB

/// Which incidents `incident list` shows.
public struct IncidentFilter: Sendable {
    public var status: IncidentStatus?
    public var service: String?
    public var severity: Severity?
    public var kind: IncidentKind?
    /// Only incidents that started at or after this time.
    public var since: Timestamp?
    public var limit: Int?

    public init(status: IncidentStatus? = nil, service: String? = nil, severity: Severity? = nil,
                kind: IncidentKind? = nil, since: Timestamp? = nil, limit: Int? = nil) {
        self.status = status
        self.service = service
        self.severity = severity
        self.kind = kind
        self.since = since
        self.limit = limit
    }
}

extension IncidentStore {
    /// One incident with its timeline (oldest first) and action items.
    public func detail(_ id: Int64) throws -> IncidentDetail {
        try read { try Self.detail($0, id) }
    }

    static func detail(_ db: Database, _ id: Int64) throws -> IncidentDetail {
        guard let incident = try Incident.fetchOne(db, key: id) else { throw IncidentError.unknownIncident(id) }
        let timeline = try TimelineEvent
            .filter(TimelineEvent.CodingKeys.incidentId == id)
            .order(TimelineEvent.CodingKeys.at, TimelineEvent.CodingKeys.id)
            .fetchAll(db)
        let actions = try ActionItem
            .filter(ActionItem.CodingKeys.incidentId == id)
            .order(ActionItem.CodingKeys.id)
            .fetchAll(db)
        return IncidentDetail(incident: incident, timeline: timeline, actions: actions)
    }

    /// Incidents matching `filter`, newest first.
    public func list(_ filter: IncidentFilter = IncidentFilter()) throws -> [Incident] {
        typealias Column = Incident.CodingKeys
        var request = Incident.all()
        if let status = filter.status { request = request.filter(sql: status.sqlCondition) }
        if let service = filter.service { request = request.filter(Column.service == service.lowercased()) }
        if let severity = filter.severity { request = request.filter(Column.severity == severity) }
        if let kind = filter.kind { request = request.filter(Column.kind == kind) }
        if let since = filter.since { request = request.filter(Column.startedAt >= since) }
        request = request.order(Column.startedAt.desc, Column.id.desc)
        if let limit = filter.limit { request = request.limit(limit) }
        return try read { try request.fetchAll($0) }
    }

    /// Action items, oldest first; only those still open when `openOnly` is set.
    public func actions(openOnly: Bool = false, incident: Int64? = nil) throws -> [ActionItem] {
        var request = ActionItem.order(ActionItem.CodingKeys.id)
        if openOnly { request = request.filter(ActionItem.CodingKeys.status == ActionStatus.open) }
        if let incident { request = request.filter(ActionItem.CodingKeys.incidentId == incident) }
        return try read { db in
            if let incident, try !Incident.exists(db, key: incident) { throw IncidentError.unknownIncident(incident) }
            return try request.fetchAll(db)
        }
    }

    /// Adds an action item to incident `id`.
    public func addAction(to id: Int64, _ action: ActionItem, by author: String, now: Timestamp = .now) throws
        -> ActionItem {
        var action = action
        action.title = try Validate.text(action.title, field: "action title")
        if let due = action.due { action.due = try Validate.day(due) }
        let added = action
        let detail = try update(id, by: author, now: now) { $0.addAction(added) }
        return detail.actions.last!
    }

    /// Closes an action item as `done` or `dropped`, noting it on its incident's timeline.
    public func closeAction(_ actionId: Int64, as status: ActionStatus, reason: String?, at: Timestamp,
                            by author: String, now: Timestamp = .now) throws -> ActionItem {
        precondition(status != .open, "an action is closed as done or dropped")
        let reason = try reason.map { try Validate.text($0, field: "reason") }
        try Self.requireNotFuture(at, "closing", now: now)
        return try write { db in
            guard var action = try ActionItem.fetchOne(db, key: actionId) else {
                throw IncidentError.unknownAction(actionId)
            }
            guard action.status == .open else {
                throw IncidentError.conflict(
                    "action item #\(actionId) was already \(action.status.rawValue) at \(action.closedAt.map(\.description) ?? "?")")
            }
            action.status = status
            action.closedAt = at
            action.closeReason = reason
            try action.update(db)
            var event = TimelineEvent(
                incidentId: action.incidentId, at: at, kind: "action_\(status.rawValue)",
                text: "action #\(actionId) \(status.rawValue): \(action.title)" + (reason.map { " (\($0))" } ?? ""),
                author: author, recordedAt: now)
            try event.insert(db)
            return action
        }
    }
}

/// What `incident db check` found.
public struct DatabaseHealth: Encodable, Sendable {
    public var path: String?
    /// The migrations applied, oldest first: the schema version.
    public var schema: [String]
    public var incidents: Int
    public var actionItems: Int
    public var timelineEvents: Int
    /// Problems SQLite's integrity and foreign-key checks reported; empty when the database is sound.
    public var problems: [String]

    public var isHealthy: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case path, schema, incidents, actionItems = "action_items", timelineEvents = "timeline_events", problems
    }
}

extension IncidentStore {
    /// Runs SQLite's integrity and foreign-key checks.
    public func check() throws -> DatabaseHealth {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                "\(row[0] as String? ?? "?") row \(row[1] as Int64? ?? 0) points to a missing \(row[2] as String? ?? "?")"
            }
            return DatabaseHealth(
                path: path,
                schema: try Schema.migrator.appliedMigrations(db),
                incidents: try Incident.fetchCount(db),
                actionItems: try ActionItem.fetchCount(db),
                timelineEvents: try TimelineEvent.fetchCount(db),
                problems: problems)
        }
    }

    /// Copies the database to a new file with SQLite's online backup, safe while others write.
    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw IncidentError.invalidInput("\(destination) exists already; choose a new file name for the backup")
        }
        try Self.translatingDatabaseErrors(path: destination) {
            let descriptor = Foundation.open(destination, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            guard descriptor >= 0 else {
                throw IncidentError.database("cannot create \(destination): \(String(cString: strerror(errno)))")
            }
            close(descriptor)
            do {
                let copy = try DatabaseQueue(path: destination)
                try writer.backup(to: copy)
                try copy.close()
            } catch {
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
        }
    }
}
