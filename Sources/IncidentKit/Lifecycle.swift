import Foundation
import GRDB

/// The changes one command makes to one incident: new field values, timeline entries and action items.
public struct IncidentUpdate: Sendable {
    public var incident: Incident
    fileprivate(set) var events: [(at: Timestamp, kind: String, text: String)] = []
    fileprivate(set) var actions: [ActionItem] = []

    /// Adds an entry to the timeline.
    public mutating func record(_ kind: String, at: Timestamp, _ text: String) {
        events.append((at, kind, text))
    }

    /// Adds an action item and the timeline entry that says so.
    public mutating func addAction(_ action: ActionItem) {
        actions.append(action)
        record("action_added", at: action.createdAt, "action added (\(action.kind.rawValue)): \(action.title)")
    }

    /// Refuses changes to a cancelled incident until it is reopened.
    func requireNotCancelled() throws {
        guard incident.cancelled else { return }
        throw IncidentError.conflict(
            "incident #\(incident.id!) is cancelled (\(incident.cancelReason ?? "no reason given")); "
            + "reopen it first with `incident reopen \(incident.id!)`")
    }

    /// Refuses to set a lifecycle time twice; corrections go through `incident edit`.
    func requireUnset(_ time: Timestamp?, _ name: String) throws {
        guard let time else { return }
        throw IncidentError.conflict(
            "incident #\(incident.id!) was already \(name) at \(time); to correct that time use "
            + "`incident edit \(incident.id!) --\(name)-at TIME`")
    }
}

extension IncidentStore {
    /// Records a new incident and its `opened` timeline entry.
    public func open(_ draft: Incident, by author: String, now: Timestamp = .now) throws -> IncidentDetail {
        var incident = draft
        incident.title = try Validate.text(incident.title, field: "title")
        incident.service = try Validate.word(incident.service, field: "service")
        if let fault = incident.fault { incident.fault = try Validate.text(fault, field: "fault") }
        try Self.validate(incident, now: now)
        return try write { db in
            try incident.insert(db)
            let opened = incident.kind == .injected
                ? "failure injected\(incident.fault.map { ": \($0)" } ?? "")"
                : "incident opened"
            var event = TimelineEvent(incidentId: incident.id!, at: incident.startedAt, kind: "opened",
                                      text: opened, author: author, recordedAt: now)
            try event.insert(db)
            return try Self.detail(db, incident.id!)
        }
    }

    /// Applies `change` to incident `id` in one transaction, after checking the times it leaves behind.
    public func update(_ id: Int64, by author: String, now: Timestamp = .now,
                       _ change: (inout IncidentUpdate) throws -> Void) throws -> IncidentDetail {
        try write { db in
            guard let original = try Incident.fetchOne(db, key: id) else { throw IncidentError.unknownIncident(id) }
            var update = IncidentUpdate(incident: original)
            try change(&update)
            try Self.validate(update.incident, now: now)
            for event in update.events {
                try Self.requireNotFuture(event.at, event.kind, now: now)
            }
            if update.incident != original {
                try update.incident.update(db)
            }
            for event in update.events {
                var entry = TimelineEvent(incidentId: id, at: event.at, kind: event.kind, text: event.text,
                                          author: author, recordedAt: now)
                try entry.insert(db)
            }
            for var action in update.actions {
                try action.insert(db)
            }
            return try Self.detail(db, id)
        }
    }

    public func detect(_ id: Int64, at: Timestamp, via detection: String?, by author: String,
                       now: Timestamp = .now) throws -> IncidentDetail {
        let method = try detection.map(Detection.validated)
        return try update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.detectedAt, "detected")
            update.incident.detectedAt = at
            update.incident.detection = method
            update.record("detected", at: at, "detected" + (method.map { " via \($0)" } ?? ""))
        }
    }

    public func acknowledge(_ id: Int64, at: Timestamp, responder: String?, by author: String,
                            now: Timestamp = .now) throws -> IncidentDetail {
        try update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.acknowledgedAt, "acknowledged")
            guard update.incident.detectedAt != nil else {
                throw IncidentError.conflict(
                    "incident #\(id) has not been detected yet; record how it was noticed first with "
                    + "`incident detect \(id) --via alert|probe|customer|manual|other`")
            }
            update.incident.acknowledgedAt = at
            update.record("acknowledged", at: at, "acknowledged by \(responder ?? author)")
        }
    }

    public func mitigate(_ id: Int64, at: Timestamp, by author: String, now: Timestamp = .now) throws
        -> IncidentDetail {
        try update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.mitigatedAt, "mitigated")
            try update.requireUnset(update.incident.resolvedAt, "resolved")
            update.incident.mitigatedAt = at
            update.record("mitigated", at: at, "mitigated: impact ended, service restored")
        }
    }

    /// Resolves an incident with its root cause; each `prevent` text becomes a `prevent` action item.
    public func resolve(_ id: Int64, at: Timestamp, cause: String, category: String?, fix: String?,
                        prevent: [String], by author: String, now: Timestamp = .now) throws -> IncidentDetail {
        let cause = try Validate.text(cause, field: "cause")
        let category = try category.map { try Validate.word($0, field: "cause category") }
        let fix = try fix.map { try Validate.text($0, field: "fix") }
        let prevent = try prevent.map { try Validate.text($0, field: "preventive change") }
        return try update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.resolvedAt, "resolved")
            update.incident.resolvedAt = at
            update.incident.cause = cause
            update.incident.causeCategory = category ?? update.incident.causeCategory
            update.incident.fix = fix ?? update.incident.fix
            update.record("resolved", at: at, "resolved; cause: \(cause)" + (category.map { " [\($0)]" } ?? ""))
            for title in prevent {
                update.addAction(ActionItem(incidentId: id, title: title, kind: .prevent, createdAt: at))
            }
        }
    }

    public func note(_ id: Int64, _ text: String, at: Timestamp, by author: String, now: Timestamp = .now) throws
        -> IncidentDetail {
        let text = try Validate.text(text, field: "note")
        return try update(id, by: author, now: now) { update in
            update.record("note", at: at, text)
        }
    }

    /// Marks a false alarm: it stays on record but never counts in metrics.
    public func cancel(_ id: Int64, reason: String, at: Timestamp, by author: String, now: Timestamp = .now) throws
        -> IncidentDetail {
        let reason = try Validate.text(reason, field: "reason")
        return try update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            update.incident.cancelled = true
            update.incident.cancelReason = reason
            update.record("cancelled", at: at, "cancelled: \(reason)")
        }
    }

    /// Undoes a cancellation, or a resolution that came too early (its resolved time is cleared).
    public func reopen(_ id: Int64, at: Timestamp, by author: String, now: Timestamp = .now) throws
        -> IncidentDetail {
        try update(id, by: author, now: now) { update in
            if update.incident.cancelled {
                update.record("reopened", at: at, "reopened; was cancelled: \(update.incident.cancelReason ?? "")")
                update.incident.cancelled = false
                update.incident.cancelReason = nil
            } else if let resolvedAt = update.incident.resolvedAt {
                update.record("reopened", at: at, "reopened; was resolved at \(resolvedAt)")
                update.incident.resolvedAt = nil
            } else {
                throw IncidentError.conflict(
                    "incident #\(id) is \(update.incident.status.rawValue), not resolved or cancelled; nothing to reopen")
            }
        }
    }

    /// Checks the order of the lifecycle times and that none lies in the future.
    static func validate(_ incident: Incident, now: Timestamp) throws {
        var previous: (name: String, time: Timestamp)?
        for (name, time) in incident.lifecycle {
            guard let time else { continue }
            try requireNotFuture(time, name, now: now)
            if let previous, time < previous.time {
                throw IncidentError.conflict(
                    "the \(name) time \(time) is before the \(previous.name) time \(previous.time); times must run "
                    + "started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved. Check --at, or correct the other "
                    + "time with `incident edit`")
            }
            previous = (name, time)
        }
    }

    static func requireNotFuture(_ time: Timestamp, _ name: String, now: Timestamp) throws {
        guard now.seconds(until: time) > TimeInput.futureTolerance else { return }
        throw IncidentError.conflict(
            "the \(name) time \(time) is more than 5 minutes after now (\(now)); check --at and the TZ variable")
    }
}
