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
/// of `incident export`. Decoding checks the derived `status` and `durations` against the record.
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

    enum ExtraKeys: String, CodingKey, CaseIterable {
        case timeline, actions, sources, status, durations
    }

    /// Reads the incident object strictly, as an import must: every key the export writes must be there and
    /// no other, timeline entries and action items likewise, and the derived `status` and `durations` must
    /// agree with the record's times, or the record is refused naming the field.
    public init(from decoder: any Decoder) throws {
        try decoder.requireExactKeys(
            Incident.fieldNames.union(ExtraKeys.allCases.map(\.rawValue)), later: Incident.laterFieldNames)
        incident = try Incident(from: decoder)
        let container = try decoder.container(keyedBy: ExtraKeys.self)
        timeline = try container.decode([Exact<TimelineEvent>].self, forKey: .timeline).map(\.record)
        actions = try container.decode([Exact<ActionItem>].self, forKey: .actions).map(\.record)
        sources = try container.decode([String].self, forKey: .sources)
        let status = try container.decode(IncidentStatus.self, forKey: .status)
        guard status == incident.status else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [ExtraKeys.status],
                    debugDescription:
                        "is '\(status.rawValue)', but the record's times and cancelled flag make it "
                        + "'\(incident.status.rawValue)'"))
        }
        try Self.checkDurations(in: container, agreeWith: incident.durations)
    }

    /// Refuses `durations` unless it holds exactly the four derived durations, each as the record's times
    /// make it (to the millisecond) or null where they leave it undefined.
    private static func checkDurations(
        in container: KeyedDecodingContainer<ExtraKeys>, agreeWith derived: Durations
    ) throws {
        let expected = derived.keyed
        let keys = try container.nestedContainer(keyedBy: AnyKey.self, forKey: .durations).allKeys
        if let unknown = keys.first(where: { key in !expected.contains { $0.0.rawValue == key.stringValue } }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [ExtraKeys.durations, unknown], debugDescription: "is not a derived duration"))
        }
        let stated = try container.nestedContainer(keyedBy: Durations.CodingKeys.self, forKey: .durations)
        for (key, value) in expected {
            let given = try stated.decode(Double?.self, forKey: key)
            guard Durations.agree(given, value) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: [ExtraKeys.durations, key],
                        debugDescription:
                            "is \(given.map { "\($0)" } ?? "null"), but the record's times make it "
                            + (value.map { "\($0)" } ?? "null")))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try IncidentSummary(incident).encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(timeline, forKey: .timeline)
        try container.encode(actions, forKey: .actions)
        try container.encode(sources, forKey: .sources)
    }
}

extension Durations {
    /// The four durations by key.
    var keyed: [(key: CodingKeys, value: Double?)] { [(.ttd, ttd), (.tta, tta), (.ttr, ttr), (.ttc, ttc)] }

    /// Whether a stated duration agrees with the one the times give: both undefined, or equal to the
    /// millisecond.
    static func agree(_ stated: Double?, _ derived: Double?) -> Bool {
        (stated == nil) == (derived == nil) && abs((stated ?? 0) - (derived ?? 0)) < 0.001
    }

    /// Whether each of these durations, as stated in a record, agrees with the one its times give.
    func agrees(with derived: Durations) -> Bool {
        zip(keyed, derived.keyed).allSatisfy { Self.agree($0.value, $1.value) }
    }
}
