import Foundation
import GRDB

extension IncidentStore {
    public func open(_ draft: Incident, by author: String, now: Timestamp = .now) async throws -> IncidentDetail {
        let checked = try IncidentRules.checked(draft, now: now)
        return try await write { db in
            var incident = checked
            try incident.insert(db)
            var event = TimelineEvent(
                incidentId: incident.id!, at: incident.startedAt, kind: .opened,
                text: IncidentRules.openingText(of: incident), author: author, recordedAt: now)
            try event.insert(db)
            return try Self.detail(db, incident.id!)
        }
    }

    public func update(
        _ id: Int64, by author: String, now: Timestamp = .now,
        _ change: @Sendable (inout IncidentUpdate) throws -> Void
    ) async throws -> IncidentDetail {
        try await write { db in
            guard let original = try Incident.fetchOne(db, key: id) else { throw IncidentError.unknownIncident(id) }
            var update = IncidentUpdate(incident: original)
            try change(&update)
            try update.validate(now: now)
            if update.incident != original {
                try update.incident.update(db)
            }
            for event in update.events {
                var entry = TimelineEvent(
                    incidentId: id, at: event.at, kind: event.kind, text: event.text,
                    author: author, recordedAt: now)
                try entry.insert(db)
            }
            for var action in update.actions {
                try action.insert(db)
            }
            return try Self.detail(db, id)
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
            guard var action = try ActionItem.fetchOne(db, key: actionId) else {
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
            try action.update(db)
            var event = TimelineEvent(
                incidentId: action.incidentId, at: at, kind: status == .done ? .actionDone : .actionDropped,
                text: "action #\(actionId) \(status.rawValue): \(action.title)" + (reason.map { " (\($0))" } ?? ""),
                author: author, recordedAt: now)
            try event.insert(db)
            return action
        }
    }
}
