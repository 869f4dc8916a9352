import Conventions
import Foundation
import GRDB

extension IncidentStore {
    public func export(_ format: TransferFormat, write: @Sendable (String) throws -> Void) async throws {
        try await read { db in
            let codec = RecordCodec()
            if format == .csv { try write(CSV.line(CSV.columns)) }
            let events = try PeekableCursor(db.recordCursor(TimelineEvent.self, order: "incident_id, at, id"))
            let actions = try PeekableCursor(db.recordCursor(ActionItem.self, order: "incident_id, id"))
            let sources = try PeekableCursor(
                db.cursor("SELECT incident_id, key FROM incident_source ORDER BY incident_id, key", [])
                    .map { try (incidentId: $0["incident_id"] as Int64, key: $0["key"] as String) })
            let deploys = try db.recordCursor(Deploy.self)
            while let deploy = try deploys.next() { try write(codec.line(of: deploy, as: format)) }
            let incidents = try db.recordCursor(Incident.self)
            while let incident = try incidents.next() {
                let detail = IncidentDetail(
                    incident: incident,
                    timeline: try events.next(while: { $0.incidentId == incident.id }),
                    actions: try actions.next(while: { $0.incidentId == incident.id }),
                    sources: try sources.next(while: { $0.incidentId == incident.id }).map(\.key))
                for line in try codec.lines(of: detail, as: format) { try write(line) }
            }
        }
    }

    /// Ids are kept, so an export imported into an empty database exports again identically.
    public func importRecords(_ lines: FileLines, as format: TransferFormat, source: String, dryRun: Bool = false)
        async throws -> ImportSummary
    {
        let now = Timestamp.now
        // A stream is read once: a transaction that lost to a concurrent one fails rather than running again.
        return try await write(commit: !dryRun, retrying: false) { db in
            let codec = RecordCodec()
            var summary = ImportSummary()
            var problems: [String] = []
            try codec.records(in: lines, as: format) { line, parsed in
                do {
                    switch try parsed.get() {
                    case .deploy(let record):
                        var deploy = try record.checked(now: now)
                        if let id = deploy.id, let stored = try db.record(Deploy.self, id: id) {
                            try Self.refuseDifferences(between: deploy, and: stored, of: "deploy #\(id)")
                            summary.knownDeploys += 1
                            return
                        }
                        try Self.insert(&deploy, db)
                        summary.deploys += 1
                    case .incident(let detail):
                        try IncidentRules.check(record: detail, now: now)
                        if let id = detail.incident.id, try db.exists(Incident.self, id: id) {
                            try Self.refuseDifferences(
                                between: detail, and: Self.detail(db, id), of: "incident #\(id)")
                            summary.known += 1
                            return
                        }
                        try Self.insert(detail, db)
                        summary.incidents += 1
                        summary.events += detail.timeline.count
                        summary.actions += detail.actions.count
                    }
                } catch let error as IncidentError {
                    problems.append("line \(line): \(error)")
                }
            }
            guard problems.isEmpty else {
                throw IncidentError.conflict(
                    "\(source) has \(problems.count) bad record(s); nothing was imported. Fix them and import again:"
                        + ProblemList.text(problems))
            }
            try db.advanceIdGenerators()
            return summary
        }
    }

    /// Refuses a record (an incident, a deploy) stored already unless the stored one is the same, naming the
    /// fields that differ: importing an export again adds nothing and changes nothing.
    private static func refuseDifferences<R: Encodable>(between record: R, and stored: R, of name: String) throws {
        let encoder = JSONEncoder.stable()
        let (given, kept) = (try encoder.encode(record), try encoder.encode(stored))
        guard given != kept else { return }
        let objects = [given, kept].map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
        let fields = Set(objects[0].keys).union(objects[1].keys).filter { key in
            (objects[0][key] as? NSObject) != (objects[1][key] as? NSObject)
        }.sorted()
        throw IncidentError.conflict(
            "\(name) exists already with other \(fields.joined(separator: ", ")); "
                + "import into another database, or remove the \"id\" keys to add the records as new ones")
    }

    /// Inserts a checked record, keeping its ids (a record without one gets new ids), and returns the
    /// incident's id; a clash with a stored id is a conflict.
    @discardableResult
    static func insert(_ detail: IncidentDetail, _ db: any SQLSession) throws -> Int64 {
        /// Inserts `record`; a taken id is a conflict naming `what`.
        func insert<R: StoredRecord>(_ record: R, _ what: String) throws -> Int64 {
            var record = record
            do {
                try db.insert(&record)
            } catch  where db.isDuplicateKey(error) {
                throw IncidentError.conflict("\(what) #\(record.id ?? 0) exists already in the database")
            }
            return record.id!
        }
        if let deploy = detail.incident.causedBy, try !db.exists(Deploy.self, id: deploy) {
            throw IncidentError.notFound(
                "no deploy #\(deploy), which the incident names as its cause: it is neither stored nor above it in "
                    + "the file (an export writes the deploys first)")
        }
        let incidentId = try insert(detail.incident, "incident")
        for var event in detail.timeline {
            event.incidentId = incidentId
            _ = try insert(event, "timeline event")
        }
        for var action in detail.actions {
            action.incidentId = incidentId
            _ = try insert(action, "action item")
        }
        for key in detail.sources {
            do {
                try db.execute("INSERT INTO incident_source (key, incident_id) VALUES (?, ?)", key, incidentId)
            } catch  where db.isDuplicateKey(error) {
                throw IncidentError.conflict("source '\(key)' exists already in the database")
            }
        }
        return incidentId
    }
}

/// A cursor that can hand over the leading rows that satisfy a condition and keep the first one that does not.
final class PeekableCursor<Element> {
    private let base: any Cursor<Element>
    private var peeked: Element?

    init(_ base: some Cursor<Element>) {
        self.base = base
    }

    func next(while condition: (Element) -> Bool) throws -> [Element] {
        var taken: [Element] = []
        while let element = try peeked ?? base.next() {
            guard condition(element) else {
                peeked = element
                break
            }
            peeked = nil
            taken.append(element)
        }
        return taken
    }
}

extension IncidentStore {
    public func add(_ details: [IncidentDetail], now: Timestamp = .now) async throws -> AddSummary {
        for detail in details {
            try IncidentRules.check(record: detail, now: now)
        }
        return try await write { db in
            var summary = AddSummary()
            for var detail in details {
                detail.incident.id = nil
                let marks = detail.sources.map { _ in "?" }.joined(separator: ",")
                if let known: Int64 = try db.value(
                    "SELECT incident_id FROM incident_source WHERE key IN (\(marks))", detail.sources)
                {
                    summary.known.append(known)
                } else {
                    summary.added.append(try Self.insert(detail, db))
                }
            }
            return summary
        }
    }
}
