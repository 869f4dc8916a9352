import Foundation

extension IncidentRules {
    /// The checks a record passes when recorded through the CLI, so that an import cannot store what
    /// the commands would refuse.
    static func check(record detail: IncidentDetail, now: Timestamp) throws {
        let incident = detail.incident
        _ = try Validate.text(incident.title, field: "title")
        guard try Validate.service(incident.service) == incident.service else {
            throw IncidentError.invalidInput("the service '\(incident.service)' must be lower-case")
        }
        for (field, text) in [
            ("cause", incident.cause), ("fix", incident.fix),
            ("summary", incident.summary), ("impact", incident.impact),
            ("trigger", incident.trigger), ("lessons", incident.lessons),
            ("cancel reason", incident.cancelReason),
        ] {
            if let text { _ = try Validate.text(text, field: field) }
        }
        if let detection = incident.detection, try Detection.validated(detection) != detection {
            throw IncidentError.invalidInput("the detection '\(detection)' is not in its canonical spelling")
        }
        if let category = incident.causeCategory, try Validate.word(category, field: "cause category") != category {
            throw IncidentError.invalidInput("the cause category '\(category)' must be lower-case")
        }
        guard incident.cancelled == (incident.cancelReason != nil) else {
            throw IncidentError.invalidInput(
                incident.cancelled
                    ? "the incident is cancelled but has no cancel_reason"
                    : "cancel_reason is set but the incident is not cancelled")
        }
        if let fault = incident.fault, try IncidentFault.canonical(fault) != fault {
            throw IncidentError.invalidInput(
                "the fault '\(fault)' is not in its canonical form '\(try IncidentFault.canonical(fault))'")
        }
        if let target = incident.target { _ = try Validate.text(target, field: "target") }
        if let faultId = incident.faultId, faultId < 1 || incident.target == nil {
            throw IncidentError.invalidInput("fault_id \(faultId) needs a target and must be at least 1")
        }
        for source in detail.sources { _ = try Validate.text(source, field: "source") }
        try validate(incident, now: now)
        guard detail.timeline.contains(where: { $0.kind == .opened }) else {
            throw IncidentError.invalidInput("the timeline has no opened entry; every incident has one")
        }
        for event in detail.timeline {
            guard incident.id == nil || event.incidentId == incident.id else {
                throw IncidentError.invalidInput(
                    "timeline event #\(event.id ?? 0) belongs to incident "
                        + "#\(event.incidentId), not #\(incident.id ?? 0)")
            }
            _ = try Validate.text(event.text, field: "event text", limit: Validate.maxEventTextBytes)
            _ = try Validate.text(event.author, field: "event author")
            try requireSupported(event.at, "event at")
            try requireSupported(event.recordedAt, "event recorded_at")
            try requireNotFuture(event.at, "event", now: now)
        }
        for action in detail.actions {
            guard incident.id == nil || action.incidentId == incident.id else {
                throw IncidentError.invalidInput(
                    "action item #\(action.id ?? 0) belongs to incident "
                        + "#\(action.incidentId), not #\(incident.id ?? 0)")
            }
            _ = try Validate.text(action.title, field: "action title")
            if let due = action.due { _ = try Validate.day(due) }
            try requireSupported(action.createdAt, "action created_at")
            if let closed = action.closedAt { try requireSupported(closed, "action closed_at") }
            guard (action.status == .open) == (action.closedAt == nil) else {
                throw IncidentError.invalidInput(
                    "action item #\(action.id ?? 0) is \(action.status.rawValue) but "
                        + (action.closedAt == nil ? "has no closed_at" : "has a closed_at"))
            }
        }
    }
}
