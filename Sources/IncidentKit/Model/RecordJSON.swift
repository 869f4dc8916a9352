import Conventions
import RFC3339

// The records the bulk commands write by the hundred thousand write their JSON themselves: the bytes their
// `encode(to:)` gives through `JSONEncoder.stable`, field for field (RecordJSONTests compares both on random
// records). A field added to a record's `encode(to:)` is added here too, or those tests fail.

extension JSONOutput {
    /// A time as `Timestamp` encodes itself: RFC 3339, milliseconds only when not zero; nil as null.
    mutating func time(_ time: Timestamp?) {
        guard let time else { return null() }
        plainString { RFC3339.append(milliseconds: time.milliseconds, fraction: .whenNonZero, to: &$0) }
    }
}

/// A record that holds an incident: the incident, its listing, its whole record. Their JSON members are
/// written once, for all three, reading the incident in place (a member that returned a copy of it cost a
/// third of a listing in retains and releases).
protocol IncidentCarrying {
    var incident: Incident { get }
}

extension Incident: IncidentCarrying {
    var incident: Incident { self }
}

extension IncidentSummary: IncidentCarrying {}
extension IncidentDetail: IncidentCarrying {}

extension IncidentCarrying {
    /// The incident's stored fields, every one written, nil as null.
    static var incidentJSONFields: [JSONMember<Self>] {
        [
            JSONMember(Incident.CodingKeys.id.rawValue) { $1.integer($0.incident.id) },
            JSONMember(Incident.CodingKeys.title.rawValue) { $1.string($0.incident.title) },
            JSONMember(Incident.CodingKeys.service.rawValue) { $1.string($0.incident.service) },
            JSONMember(Incident.CodingKeys.severity.rawValue) { $1.string($0.incident.severity.rawValue) },
            JSONMember(Incident.CodingKeys.kind.rawValue) { $1.string($0.incident.kind.rawValue) },
            JSONMember(Incident.CodingKeys.fault.rawValue) { $1.string($0.incident.fault) },
            JSONMember(Incident.CodingKeys.target.rawValue) { $1.string($0.incident.target) },
            JSONMember(Incident.CodingKeys.faultId.rawValue) { $1.integer($0.incident.faultId) },
            JSONMember(Incident.CodingKeys.causedBy.rawValue) { $1.integer($0.incident.causedBy) },
            JSONMember(Incident.CodingKeys.startedAt.rawValue) { $1.time($0.incident.startedAt) },
            JSONMember(Incident.CodingKeys.detectedAt.rawValue) { $1.time($0.incident.detectedAt) },
            JSONMember(Incident.CodingKeys.acknowledgedAt.rawValue) { $1.time($0.incident.acknowledgedAt) },
            JSONMember(Incident.CodingKeys.mitigatedAt.rawValue) { $1.time($0.incident.mitigatedAt) },
            JSONMember(Incident.CodingKeys.resolvedAt.rawValue) { $1.time($0.incident.resolvedAt) },
            JSONMember(Incident.CodingKeys.detection.rawValue) { $1.string($0.incident.detection) },
            JSONMember(Incident.CodingKeys.cause.rawValue) { $1.string($0.incident.cause) },
            JSONMember(Incident.CodingKeys.causeCategory.rawValue) { $1.string($0.incident.causeCategory) },
            JSONMember(Incident.CodingKeys.fix.rawValue) { $1.string($0.incident.fix) },
            JSONMember(Incident.CodingKeys.summary.rawValue) { $1.string($0.incident.summary) },
            JSONMember(Incident.CodingKeys.impact.rawValue) { $1.string($0.incident.impact) },
            JSONMember(Incident.CodingKeys.trigger.rawValue) { $1.string($0.incident.trigger) },
            JSONMember(Incident.CodingKeys.lessons.rawValue) { $1.string($0.incident.lessons) },
            JSONMember(Incident.CodingKeys.cancelled.rawValue) { $1.bool($0.incident.cancelled) },
            JSONMember(Incident.CodingKeys.cancelReason.rawValue) { $1.string($0.incident.cancelReason) },
        ]
    }

    /// The stored fields and the derived ones a listing adds: status and durations.
    static var summaryJSONFields: [JSONMember<Self>] {
        incidentJSONFields + [
            JSONMember(IncidentSummary.ExtraKeys.status.rawValue) { $1.string($0.incident.status.rawValue) },
            JSONMember(IncidentSummary.ExtraKeys.durations.rawValue) { try $1.object($0.incident.durations) },
        ]
    }
}

extension Incident: JSONObjectWritable {
    public static let jsonMembers = JSONMembers(incidentJSONFields)
}

extension IncidentSummary: JSONObjectWritable {
    public static let jsonMembers = JSONMembers(summaryJSONFields)
}

extension IncidentDetail: JSONObjectWritable {
    public static let jsonMembers = JSONMembers(
        summaryJSONFields + [
            JSONMember(ExtraKeys.timeline.rawValue) { detail, json in
                try json.array(detail.timeline) { try $0.object($1) }
            },
            JSONMember(ExtraKeys.actions.rawValue) { detail, json in
                try json.array(detail.actions) { try $0.object($1) }
            },
            JSONMember(ExtraKeys.sources.rawValue) { $1.strings($0.sources) },
        ])
}

extension Durations: JSONObjectWritable {
    public static let jsonMembers = JSONMembers<Durations>([
        JSONMember(CodingKeys.ttd.rawValue) { try $1.number($0.ttd) },
        JSONMember(CodingKeys.tta.rawValue) { try $1.number($0.tta) },
        JSONMember(CodingKeys.ttr.rawValue) { try $1.number($0.ttr) },
        JSONMember(CodingKeys.ttc.rawValue) { try $1.number($0.ttc) },
    ])
}

extension TimelineEvent: JSONObjectWritable {
    /// As the synthesized `encode(to:)` writes them: an event without an id (not yet stored) has no `id` key.
    public static let jsonMembers = JSONMembers<TimelineEvent>([
        JSONMember(CodingKeys.id.rawValue, absentWhen: { $0.id == nil }) { $1.integer($0.id) },
        JSONMember(CodingKeys.incidentId.rawValue) { $1.integer($0.incidentId) },
        JSONMember(CodingKeys.at.rawValue) { $1.time($0.at) },
        JSONMember(CodingKeys.kind.rawValue) { $1.string($0.kind.rawValue) },
        JSONMember(CodingKeys.text.rawValue) { $1.string($0.text) },
        JSONMember(CodingKeys.author.rawValue) { $1.string($0.author) },
        JSONMember(CodingKeys.recordedAt.rawValue) { $1.time($0.recordedAt) },
    ])
}

extension ActionItem: JSONObjectWritable {
    public static let jsonMembers = JSONMembers<ActionItem>([
        JSONMember(CodingKeys.id.rawValue) { $1.integer($0.id) },
        JSONMember(CodingKeys.incidentId.rawValue) { $1.integer($0.incidentId) },
        JSONMember(CodingKeys.title.rawValue) { $1.string($0.title) },
        JSONMember(CodingKeys.kind.rawValue) { $1.string($0.kind.rawValue) },
        JSONMember(CodingKeys.owner.rawValue) { $1.string($0.owner) },
        JSONMember(CodingKeys.due.rawValue) { $1.string($0.due) },
        JSONMember(CodingKeys.url.rawValue) { $1.string($0.url) },
        JSONMember(CodingKeys.status.rawValue) { $1.string($0.status.rawValue) },
        JSONMember(CodingKeys.createdAt.rawValue) { $1.time($0.createdAt) },
        JSONMember(CodingKeys.closedAt.rawValue) { $1.time($0.closedAt) },
        JSONMember(CodingKeys.closeReason.rawValue) { $1.string($0.closeReason) },
    ])
}
