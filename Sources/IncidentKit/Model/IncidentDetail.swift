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
    /// Keys of the records an import made this incident from (a Chaos Toolkit journal, CI runs), sorted:
    /// importing the same record again finds them and adds nothing.
    public var sources: [String]

    public init(incident: Incident, timeline: [TimelineEvent], actions: [ActionItem], sources: [String] = []) {
        self.incident = incident
        self.timeline = timeline
        self.actions = actions
        self.sources = sources
    }

    enum ExtraKeys: String, CodingKey {
        case timeline, actions, sources
    }

    /// Reads the incident object strictly: every key must be a field of the incident (or the derived
    /// `status` and `durations`, which are ignored), `timeline` and `actions` must be there, and their
    /// entries may hold only their own fields; `sources` may be left out.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(
            allowing: Incident.fieldNames.union([
                "status", "durations", ExtraKeys.timeline.rawValue, ExtraKeys.actions.rawValue,
                ExtraKeys.sources.rawValue,
            ]))
        incident = try Incident(from: decoder)
        let container = try decoder.container(keyedBy: ExtraKeys.self)
        timeline = try container.decode([Strict<TimelineEvent>].self, forKey: .timeline).map(\.record)
        actions = try container.decode([Strict<ActionItem>].self, forKey: .actions).map(\.record)
        sources = try container.decodeIfPresent([String].self, forKey: .sources) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        try IncidentSummary(incident).encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(timeline, forKey: .timeline)
        try container.encode(actions, forKey: .actions)
        try container.encode(sources, forKey: .sources)
    }
}
