import Conventions
import RFC3339

// `incident import` reads the incident lines of an export here, without `JSONDecoder`: the decoder's generic
// containers cost more than everything else an import does. A line this reader does not take as it is (a key
// it does not know, a missing or repeated one, a derived value that disagrees, a number or escape in another
// form, a deploy) goes through `IncidentDetail(from:)` instead, which gives the same record or says what is
// wrong with it. So this code only has to recognise good records, and RecordJSONReadingTests check on random and
// mutated lines that whatever it takes, the decoder takes too, as the same record.

extension IncidentDetail {
    /// The record in `line` when it is an incident as `incident export` writes it; nil when the line must go
    /// through `JSONDecoder`.
    static func exported(_ line: String) -> IncidentDetail? {
        JSONReader.read(line) { reader in
            var detail = IncidentDetail(incident: Incident(title: "", startedAt: .epoch), timeline: [], actions: [])
            var incidentKeys = MemberSet(Incident.jsonKeys)
            var extraKeys = MemberSet(jsonKeys)
            var status: String?
            var durations: Durations?
            try reader.object { reader, name in
                if let key = Incident.CodingKeys(rawValue: name) {
                    try incidentKeys.insert(key)
                    try detail.incident.read(key, from: &reader)
                    return
                }
                guard let key = ExtraKeys(rawValue: name) else { throw JSONReader.Mismatch() }
                try extraKeys.insert(key)
                switch key {
                case .timeline: detail.timeline = try reader.array(TimelineEvent.init(reading:))
                case .actions: detail.actions = try reader.array(ActionItem.init(reading:))
                case .sources: detail.sources = try reader.array { try $0.string() }
                case .status: status = try reader.string()
                case .durations: durations = try Durations(reading: &reader)
                }
            }
            guard incidentKeys.isComplete, extraKeys.isComplete, status == detail.incident.status.rawValue,
                let durations, durations.agrees(with: detail.incident.durations)
            else { throw JSONReader.Mismatch() }
            return detail
        }
    }
}

extension Incident {
    /// Reads the value of the field `key` into the field.
    fileprivate mutating func read(_ key: CodingKeys, from reader: inout JSONReader) throws {
        switch key {
        case .id: id = try reader.optional { try $0.integer() }
        case .title: title = try reader.string()
        case .service: service = try reader.string()
        case .severity: severity = try reader.word()
        case .kind: kind = try reader.word()
        case .fault: fault = try reader.optional { try $0.string() }
        case .target: target = try reader.optional { try $0.string() }
        case .faultId: faultId = try reader.optional { try $0.integer() }
        case .causedBy: causedBy = try reader.optional { try $0.integer() }
        case .startedAt: startedAt = try reader.time()
        case .detectedAt: detectedAt = try reader.optional { try $0.time() }
        case .acknowledgedAt: acknowledgedAt = try reader.optional { try $0.time() }
        case .mitigatedAt: mitigatedAt = try reader.optional { try $0.time() }
        case .resolvedAt: resolvedAt = try reader.optional { try $0.time() }
        case .detection: detection = try reader.optional { try $0.string() }
        case .cause: cause = try reader.optional { try $0.string() }
        case .causeCategory: causeCategory = try reader.optional { try $0.string() }
        case .fix: fix = try reader.optional { try $0.string() }
        case .summary: summary = try reader.optional { try $0.string() }
        case .impact: impact = try reader.optional { try $0.string() }
        case .trigger: trigger = try reader.optional { try $0.string() }
        case .lessons: lessons = try reader.optional { try $0.string() }
        case .cancelled: cancelled = try reader.bool()
        case .cancelReason: cancelReason = try reader.optional { try $0.string() }
        }
    }
}

extension TimelineEvent {
    /// An entry of an exported timeline: every field, no other.
    fileprivate init(reading reader: inout JSONReader) throws {
        self.init(incidentId: 0, at: .epoch, kind: .note, text: "", author: "", recordedAt: .epoch)
        try reader.object(exactly: Self.jsonKeys) { reader, key in
            switch key {
            case .id: id = try reader.optional { try $0.integer() }
            case .incidentId: incidentId = try reader.integer()
            case .at: at = try reader.time()
            case .kind: kind = try reader.word()
            case .text: text = try reader.string()
            case .author: author = try reader.string()
            case .recordedAt: recordedAt = try reader.time()
            }
        }
    }
}

extension ActionItem {
    /// An exported action item: every field, no other.
    fileprivate init(reading reader: inout JSONReader) throws {
        self.init(incidentId: 0, title: "", createdAt: .epoch)
        try reader.object(exactly: Self.jsonKeys) { reader, key in
            switch key {
            case .id: id = try reader.optional { try $0.integer() }
            case .incidentId: incidentId = try reader.integer()
            case .title: title = try reader.string()
            case .kind: kind = try reader.word()
            case .owner: owner = try reader.optional { try $0.string() }
            case .due: due = try reader.optional { try $0.string() }
            case .url: url = try reader.optional { try $0.string() }
            case .status: status = try reader.word()
            case .createdAt: createdAt = try reader.time()
            case .closedAt: closedAt = try reader.optional { try $0.time() }
            case .closeReason: closeReason = try reader.optional { try $0.string() }
            }
        }
    }
}

extension Durations {
    /// The four durations an export states: each key once, each a number or null.
    fileprivate init(reading reader: inout JSONReader) throws {
        self.init(ttd: nil, tta: nil, ttr: nil, ttc: nil)
        try reader.object(exactly: Self.jsonKeys) { reader, key in
            let value = try reader.optional { try $0.number() }
            switch key {
            case .ttd: ttd = value
            case .tta: tta = value
            case .ttr: ttr = value
            case .ttc: ttc = value
            }
        }
    }
}

/// The keys of one object read so far, out of all its keys: a key read twice is a mismatch, and the object is
/// complete when every key was read.
private struct MemberSet<Key: Equatable> {
    private let keys: [Key]
    private var read: UInt64 = 0

    init(_ keys: [Key]) {
        precondition(keys.count < 64)
        self.keys = keys
    }

    mutating func insert(_ key: Key) throws {
        guard let place = keys.firstIndex(of: key), read & 1 << place == 0 else { throw JSONReader.Mismatch() }
        read |= 1 << place
    }

    var isComplete: Bool { read == 1 << keys.count - 1 }
}

extension Incident {
    fileprivate static let jsonKeys = Array(CodingKeys.allCases)
}

extension IncidentDetail {
    fileprivate static let jsonKeys = Array(ExtraKeys.allCases)
}

extension TimelineEvent {
    fileprivate static let jsonKeys = Array(CodingKeys.allCases)
}

extension ActionItem {
    fileprivate static let jsonKeys = Array(CodingKeys.allCases)
}

extension Durations {
    fileprivate static let jsonKeys = [CodingKeys.ttd, .tta, .ttr, .ttc]
}

extension Timestamp {
    /// The start of 1970: the value of a time field not read yet.
    fileprivate static let epoch = Timestamp(milliseconds: 0)
}

extension JSONReader {
    /// Reads an object whose keys are `keys`, each once and none missing, calling `member` with each.
    fileprivate mutating func object<Key: RawRepresentable<String> & Equatable>(
        exactly keys: [Key], _ member: (inout JSONReader, Key) throws -> Void
    ) throws {
        var read = MemberSet(keys)
        try object { reader, name in
            guard let key = Key(rawValue: name) else { throw Mismatch() }
            try read.insert(key)
            try member(&reader, key)
        }
        guard read.isComplete else { throw Mismatch() }
    }

    /// A time as `Timestamp` decodes one: an RFC 3339 string.
    fileprivate mutating func time() throws -> Timestamp {
        guard let time = Timestamp(rfc3339: try string()) else { throw Mismatch() }
        return time
    }

    /// A value of a closed vocabulary (`sev2`, `opened`), by its raw value.
    fileprivate mutating func word<Word: RawRepresentable<String>>() throws -> Word {
        guard let word = Word(rawValue: try string()) else { throw Mismatch() }
        return word
    }
}
