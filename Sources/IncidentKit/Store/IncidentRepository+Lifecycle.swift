import Foundation

extension IncidentRepository {
    /// Records when and how incident `id` was noticed.
    public func detect(
        _ id: Int64, at: Timestamp, via detection: String?, by author: String,
        now: Timestamp = .now
    ) async throws -> IncidentDetail {
        let method = try detection.map(Detection.validated)
        return try await update(id, by: author, now: now) { try $0.detect(at: at, via: method) }
    }

    /// Records that a responder took incident `id` on; it must have been detected.
    public func acknowledge(
        _ id: Int64, at: Timestamp, responder: String?, by author: String,
        now: Timestamp = .now
    ) async throws -> IncidentDetail {
        try await update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.acknowledgedAt, "acknowledged")
            guard update.incident.detectedAt != nil else {
                throw IncidentError.conflict(
                    "incident #\(id) has not been detected yet; record how it was noticed first with "
                        + "`incident detect \(id) --via alert|probe|customer|manual|pipeline|other`")
            }
            update.incident.acknowledgedAt = at
            update.record(.acknowledged, at: at, "acknowledged by \(responder ?? author)")
        }
    }

    /// Records that the impact of incident `id` ended: the end of its time to recover.
    public func mitigate(_ id: Int64, at: Timestamp, by author: String, now: Timestamp = .now) async throws
        -> IncidentDetail
    {
        try await update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.mitigatedAt, "mitigated")
            try update.requireUnset(update.incident.resolvedAt, "resolved")
            update.incident.mitigatedAt = at
            update.record(.mitigated, at: at, "mitigated: impact ended, service restored")
        }
    }

    /// Resolves an incident with its root cause; each `prevent` text becomes a `prevent` action item.
    public func resolve(
        _ id: Int64, at: Timestamp, cause: String, category: String?, fix: String?,
        prevent: [String], by author: String, now: Timestamp = .now
    ) async throws
        -> IncidentDetail
    {
        let cause = try Validate.text(cause, field: "cause")
        let category = try category.map { try Validate.word($0, field: "cause category") }
        let fix = try fix.map { try Validate.text($0, field: "fix") }
        let prevent = try prevent.map { try Validate.text($0, field: "preventive change") }
        return try await update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            try update.requireUnset(update.incident.resolvedAt, "resolved")
            update.incident.resolvedAt = at
            update.incident.cause = cause
            update.incident.causeCategory = category ?? update.incident.causeCategory
            update.incident.fix = fix ?? update.incident.fix
            update.record(.resolved, at: at, "resolved; cause: \(cause)" + (category.map { " [\($0)]" } ?? ""))
            for title in prevent {
                update.addAction(ActionItem(incidentId: id, title: title, kind: .prevent, createdAt: at))
            }
        }
    }

    /// Adds free text to the timeline of incident `id`.
    public func note(_ id: Int64, _ text: String, at: Timestamp, by author: String, now: Timestamp = .now)
        async throws -> IncidentDetail
    {
        let text = try Validate.text(text, field: "note")
        return try await update(id, by: author, now: now) { update in
            update.record(.note, at: at, text)
        }
    }

    /// Marks a false alarm: it stays on record but never counts in metrics.
    public func cancel(_ id: Int64, reason: String, at: Timestamp, by author: String, now: Timestamp = .now)
        async throws -> IncidentDetail
    {
        let reason = try Validate.text(reason, field: "reason")
        return try await update(id, by: author, now: now) { update in
            try update.requireNotCancelled()
            update.incident.cancelled = true
            update.incident.cancelReason = reason
            update.record(.cancelled, at: at, "cancelled: \(reason)")
        }
    }

    /// Undoes a cancellation, or a resolution that came too early (its resolved time is cleared).
    public func reopen(_ id: Int64, at: Timestamp, by author: String, now: Timestamp = .now) async throws
        -> IncidentDetail
    {
        try await update(id, by: author, now: now) { update in
            if update.incident.cancelled {
                update.record(.reopened, at: at, "reopened; was cancelled: \(update.incident.cancelReason ?? "")")
                update.incident.cancelled = false
                update.incident.cancelReason = nil
            } else if let resolvedAt = update.incident.resolvedAt {
                update.record(.reopened, at: at, "reopened; was resolved at \(resolvedAt)")
                update.incident.resolvedAt = nil
            } else {
                throw IncidentError.conflict(
                    "incident #\(id) is \(update.incident.status.rawValue), not resolved or cancelled; nothing to reopen"
                )
            }
        }
    }

    /// Sets (or, for nil values, clears) fields of incident `id`; each change is written to the timeline
    /// at `at` (default: now) with its old and new value.
    public func edit(
        _ id: Int64, _ changes: [(field: IncidentField, value: String?)], at: Timestamp? = nil,
        by author: String, now: Timestamp = .now, timeZone: TimeZone = .current
    ) async throws
        -> IncidentDetail
    {
        guard !changes.isEmpty else {
            throw IncidentError.invalidInput("nothing to edit; name a field, for example --severity sev2")
        }
        return try await update(id, by: author, now: now) { update in
            for (field, value) in changes {
                let old = field.value(in: update.incident)
                try field.assign(value, to: &update.incident, now: now, timeZone: timeZone)
                let new = field.value(in: update.incident)
                if old != new {
                    update.record(
                        .edited, at: at ?? now, "\(field.rawValue): \(old ?? "(unset)") → \(new ?? "(unset)")")
                }
            }
        }
    }

    /// Adds an action item to incident `id`.
    public func addAction(to id: Int64, _ action: ActionItem, by author: String, now: Timestamp = .now) async throws
        -> ActionItem
    {
        var action = action
        action.title = try Validate.text(action.title, field: "action title")
        if let due = action.due { action.due = try Validate.day(due) }
        let added = action
        let detail = try await update(id, by: author, now: now) { $0.addAction(added) }
        return detail.actions.last!
    }
}
