import Foundation

extension IncidentStore {
    /// Inserts a new incident with its `opened` entry and, for a real one, the note naming a recent deploy of
    /// its service that may have caused it (``suggestCause(of:by:now:_:)``).
    static func insertOpened(_ incident: inout Incident, by author: String, now: Timestamp, _ db: any SQLSession)
        throws
    {
        if let deploy = incident.causedBy { try requireDeploy(deploy, db) }
        try db.insert(&incident)
        try append(
            .opened, at: incident.startedAt, IncidentRules.openingText(of: incident), to: incident.id!, by: author,
            now: now, db)
        try suggestCause(of: incident, by: author, now: now, db)
    }

    /// Adds one entry to the timeline of incident `id`.
    static func append(
        _ kind: TimelineEventKind, at: Timestamp, _ text: String, to id: Int64, by author: String, now: Timestamp,
        _ db: any SQLSession
    ) throws {
        var event = TimelineEvent(
            incidentId: id, at: at, kind: kind, text: text, author: try Validate.author(author), recordedAt: now)
        try db.insert(&event)
    }

    public func open(_ draft: Incident, by author: String, now: Timestamp = .now) async throws -> IncidentDetail {
        let checked = try IncidentRules.checked(draft, now: now)
        return try await write { db in
            var incident = checked
            try Self.insertOpened(&incident, by: author, now: now, db)
            return try Self.detail(db, incident.id!)
        }
    }

    public func update(
        _ id: Int64, by author: String, now: Timestamp = .now,
        _ change: @Sendable (inout IncidentUpdate) throws -> Void
    ) async throws -> IncidentDetail {
        try await write { db in
            try Self.apply(change, to: id, by: author, now: now, db)
            return try Self.detail(db, id)
        }
    }

    /// Applies `change` to incident `id` within the caller's transaction, after checking the times it leaves
    /// behind.
    static func apply(
        _ change: (inout IncidentUpdate) throws -> Void, to id: Int64, by author: String, now: Timestamp,
        _ db: any SQLSession
    ) throws {
        guard let original = try db.record(Incident.self, id: id) else { throw IncidentError.unknownIncident(id) }
        var update = IncidentUpdate(incident: original)
        try change(&update)
        try update.validate(now: now)
        if let deploy = update.incident.causedBy, deploy != original.causedBy { try requireDeploy(deploy, db) }
        if update.incident != original {
            try db.update(update.incident)
        }
        for event in update.events {
            try append(event.kind, at: event.at, event.text, to: id, by: author, now: now, db)
        }
        for var action in update.actions {
            try db.insert(&action)
        }
    }

    public func closeAction(
        _ actionId: Int64, as status: ActionStatus, reason: String?, at: Timestamp,
        by author: String, now: Timestamp = .now
    ) async throws -> ActionItem {
        precondition(status != .open, "an action is closed as done or dropped")
        let reason = try reason.map { try Validate.text($0, field: "reason") }
        try IncidentRules.requireNotFuture(at, "closing", now: now)
        return try await write { db in
            guard var action = try db.record(ActionItem.self, id: actionId) else {
                throw IncidentError.unknownAction(actionId)
            }
            guard action.status == .open else {
                throw IncidentError.conflict(
                    "action item #\(actionId) was already \(action.status.rawValue) at \(action.closedAt.map(\.description) ?? "?")"
                )
            }
            action.status = status
            action.closedAt = at
            action.closeReason = reason
            try db.update(action)
            try Self.append(
                status == .done ? .actionDone : .actionDropped, at: at,
                "action #\(actionId) \(status.rawValue): \(action.title)" + (reason.map { " (\($0))" } ?? ""),
                to: action.incidentId, by: author, now: now, db)
            return action
        }
    }
}

extension IncidentStore {
    public func ongoingIncident(_ scope: DetectorScope, at: Timestamp) async throws -> IncidentDetail? {
        try await read { db in try Self.ongoing(scope, at: at, db).map { try Self.detail(db, $0.id!) } }
    }

    /// The ongoing incident `scope` speaks for at `at` (``DetectorScope/ongoing(among:at:)``).
    static func ongoing(_ scope: DetectorScope, at: Timestamp, _ db: any SQLSession) throws -> Incident? {
        let candidates = try db.records(
            Incident.self,
            where: "service = ? AND NOT cancelled AND mitigated_at IS NULL AND resolved_at IS NULL AND started_at <= ?",
            [scope.service, at])
        return scope.ongoing(among: candidates, at: at)
    }

    public func recordDetection(
        _ scope: DetectorScope, via: String, at: Timestamp, startedAt: Timestamp, title: String, note: String?,
        by author: String, now: Timestamp = .now
    ) async throws -> DetectionRecord {
        let method = try Detection.validated(via)
        let service = try Validate.service(scope.service)
        var draft = Incident(title: title, service: service, startedAt: min(startedAt, at))
        draft.target = scope.target
        let opening = try IncidentRules.checked(draft, now: now)
        let note = try note.map { try Validate.text($0, field: "note") }
        try IncidentRules.requireNotFuture(at, "detected", now: now)
        let scope = DetectorScope(service: service, target: scope.target)
        return try await write { db in
            let ongoing = try Self.ongoing(scope, at: at, db)
            if let ongoing, ongoing.detectedAt != nil {
                return DetectionRecord(detail: try Self.detail(db, ongoing.id!), outcome: .alreadyDetected)
            }
            var incident = ongoing ?? opening
            if ongoing == nil {
                try Self.insertOpened(&incident, by: author, now: now, db)
                if let note {
                    try Self.append(.note, at: incident.startedAt, note, to: incident.id!, by: author, now: now, db)
                }
            }
            try Self.apply({ try $0.detect(at: at, via: method) }, to: incident.id!, by: author, now: now, db)
            return DetectionRecord(
                detail: try Self.detail(db, incident.id!), outcome: ongoing == nil ? .opened : .detected)
        }
    }
}
