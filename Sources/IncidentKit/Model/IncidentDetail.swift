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
