import Foundation

/// The changes one command makes to one incident: new field values, timeline entries and action items,
/// and the rules they must keep. Stores apply it in one transaction.
public struct IncidentUpdate: Sendable {
    public var incident: Incident
    /// Timeline entries to add, in order.
    public private(set) var events: [(at: Timestamp, kind: TimelineEventKind, text: String)] = []
    /// Action items to add.
    public private(set) var actions: [ActionItem] = []

    public init(incident: Incident) {
        self.incident = incident
    }

    /// Adds an entry to the timeline.
    public mutating func record(_ kind: TimelineEventKind, at: Timestamp, _ text: String) {
        events.append((at, kind, text))
    }

    /// Adds an action item and the timeline entry that says so.
    public mutating func addAction(_ action: ActionItem) {
        actions.append(action)
        record(.actionAdded, at: action.createdAt, "action added (\(action.kind.rawValue)): \(action.title)")
    }

    /// Records when and how the incident was noticed, once: a cancelled incident, or one detected already,
    /// is refused.
    public mutating func detect(at: Timestamp, via method: String?) throws {
        try requireNotCancelled()
        try requireUnset(incident.detectedAt, "detected")
        incident.detectedAt = at
        incident.detection = method
        record(.detected, at: at, "detected" + (method.map { " via \($0)" } ?? ""))
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

    /// Checks what the update leaves behind: lifecycle times in order, nothing in the future.
    public func validate(now: Timestamp) throws {
        try IncidentRules.validate(incident, now: now)
        for event in events {
            try IncidentRules.requireNotFuture(event.at, event.kind.rawValue, now: now)
        }
    }
}

/// The rules every stored incident keeps, whichever store holds it.
public enum IncidentRules {
    /// Checks the order of the lifecycle times, that none lies in the future or outside the supported
    /// years, and that a resolved incident has its root cause.
    public static func validate(_ incident: Incident, now: Timestamp) throws {
        if incident.resolvedAt != nil && incident.cause == nil {
            throw IncidentError.conflict(
                "a resolved incident keeps its root cause; give --cause, or reopen incident #\(incident.id ?? 0) "
                    + "with `incident reopen` first")
        }
        var previous: (name: String, time: Timestamp)?
        for (name, time) in incident.lifecycle {
            guard let time else { continue }
            try requireSupported(time, name)
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

    /// Refuses a time outside ``Timestamp/supportedRange``.
    static func requireSupported(_ time: Timestamp, _ name: String) throws {
        guard !Timestamp.supportedRange.contains(time) else { return }
        throw IncidentError.invalidInput(
            "the \(name) time \(time) is outside the years \(Timestamp.supportedYears.lowerBound) to "
                + "\(Timestamp.supportedYears.upperBound) that incident records")
    }

    /// Refuses a time more than ``TimeInput/futureTolerance`` after `now`.
    public static func requireNotFuture(_ time: Timestamp, _ name: String, now: Timestamp) throws {
        guard now.seconds(until: time) > TimeInput.futureTolerance else { return }
        throw IncidentError.conflict(
            "the \(name) time \(time) is more than 5 minutes after now (\(now)); check --at and the TZ variable")
    }

    /// Checks and normalises the fields of a new incident: text limits, a one-word service, the times.
    public static func checked(_ draft: Incident, now: Timestamp) throws -> Incident {
        var incident = draft
        incident.title = try Validate.text(incident.title, field: "title")
        incident.service = try Validate.service(incident.service)
        if let fault = incident.fault { incident.fault = try IncidentFault.canonical(fault) }
        try validate(incident, now: now)
        return incident
    }

    /// The text of the `opened` entry of a new incident.
    public static func openingText(of incident: Incident) -> String {
        incident.kind == .injected ? "failure injected\(incident.fault.map { ": \($0)" } ?? "")" : "incident opened"
    }
}
