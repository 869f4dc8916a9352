import Conventions
import Foundation
import GRDB

extension IncidentStore {
    public func export(_ format: TransferFormat, write: @Sendable (String) throws -> Void) async throws {
        try await read { db in
            let codec = RecordCodec()
            if format == .csv { try write(CSV.line(CSV.columns)) }
            let events = try PeekableCursor(
                TimelineEvent.order(
                    TimelineEvent.CodingKeys.incidentId,
                    TimelineEvent.CodingKeys.at,
                    TimelineEvent.CodingKeys.id
                ).fetchCursor(db))
            let actions = try PeekableCursor(
                ActionItem.order(
                    ActionItem.CodingKeys.incidentId,
                    ActionItem.CodingKeys.id
                ).fetchCursor(db))
            let sources = try PeekableCursor(
                Row.fetchCursor(db, sql: "SELECT incident_id, key FROM incident_source ORDER BY incident_id, key")
                    .map { (incidentId: $0[0] as Int64, key: $0[1] as String) })
            let incidents = try Incident.order(Incident.CodingKeys.id).fetchCursor(db)
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
        return try await write(commit: !dryRun) { db in
            let codec = RecordCodec()
            var summary = ImportSummary()
            var problems: [String] = []
            try codec.details(in: lines, as: format) { line, parsed in
                do {
                    let detail = try parsed.get()
                    try IncidentRules.check(record: detail, now: now)
                    if let id = detail.incident.id, try Incident.exists(db, key: id) {
                        try Self.refuseDifferences(between: detail, and: Self.detail(db, id))
                        summary.known += 1
                        return
                    }
                    try Self.insert(detail, db)
                    summary.incidents += 1
                    summary.events += detail.timeline.count
                    summary.actions += detail.actions.count
                } catch let error as IncidentError {
                    problems.append("line \(line): \(error)")
                }
            }
            guard problems.isEmpty else {
                throw IncidentError.conflict(
                    "\(source) has \(problems.count) bad record(s); nothing was imported. Fix them and import again:"
                        + ProblemList.text(problems))
            }
            return summary
        }
    }

    /// Refuses a record whose incident is stored already unless the stored one is the same, naming the
    /// fields that differ: importing an export again adds nothing and changes nothing.
    private static func refuseDifferences(between record: IncidentDetail, and stored: IncidentDetail) throws {
        let encoder = JSONEncoder.stable()
        let (given, kept) = (try encoder.encode(record), try encoder.encode(stored))
        guard given != kept else { return }
        let objects = [given, kept].map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
        let fields = Set(objects[0].keys).union(objects[1].keys).filter { key in
            (objects[0][key] as? NSObject) != (objects[1][key] as? NSObject)
        }.sorted()
        throw IncidentError.conflict(
            "incident #\(record.incident.id ?? 0) exists already with other \(fields.joined(separator: ", ")); "
                + "import into another database, or remove the \"id\" keys to add the records as new incidents")
    }

    /// Inserts a checked record, keeping its ids (a record without one gets new ids), and returns the
    /// incident's id; a clash with a stored id is a conflict. Prepared statements are reused across records,
    /// for imports of millions of rows.
    @discardableResult
    static func insert(_ detail: IncidentDetail, _ db: Database) throws -> Int64 {
        let incident = detail.incident
        try insertRow(
            db, "incident", "incident #\(incident.id ?? 0)",
            [
                "id": incident.id, "title": incident.title, "service": incident.service, "severity": incident.severity,
                "kind": incident.kind, "fault": incident.fault, "target": incident.target, "fault_id": incident.faultId,
                "started_at": incident.startedAt,
                "detected_at": incident.detectedAt, "acknowledged_at": incident.acknowledgedAt,
                "mitigated_at": incident.mitigatedAt, "resolved_at": incident.resolvedAt,
                "detection": incident.detection,
                "cause": incident.cause, "cause_category": incident.causeCategory, "fix": incident.fix,
                "summary": incident.summary, "impact": incident.impact, "trigger": incident.trigger,
                "lessons": incident.lessons, "cancelled": incident.cancelled, "cancel_reason": incident.cancelReason,
            ])
        let incidentId = incident.id ?? db.lastInsertedRowID
        for event in detail.timeline {
            try insertRow(
                db, "timeline_event", "timeline event #\(event.id ?? 0)",
                [
                    "id": event.id, "incident_id": incidentId, "at": event.at, "kind": event.kind, "text": event.text,
                    "author": event.author, "recorded_at": event.recordedAt,
                ])
        }
        for action in detail.actions {
            try insertRow(
                db, "action_item", "action item #\(action.id ?? 0)",
                [
                    "id": action.id, "incident_id": incidentId, "title": action.title, "kind": action.kind,
                    "owner": action.owner, "due": action.due, "url": action.url, "status": action.status,
                    "created_at": action.createdAt, "closed_at": action.closedAt, "close_reason": action.closeReason,
                ])
        }
        for key in detail.sources {
            try insertRow(db, "incident_source", "source '\(key)'", ["key": key, "incident_id": incidentId])
        }
        return incidentId
    }

    /// Inserts one row with a cached statement; a primary-key clash becomes a conflict naming `what`.
    private static func insertRow(
        _ db: Database, _ table: String, _ what: String,
        _ values: KeyValuePairs<String, (any DatabaseValueConvertible)?>
    ) throws {
        let columns = values.map { $0.key.quotedDatabaseIdentifier }.joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql:
                "INSERT INTO \(table) (\(columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))"
        )
        do {
            try statement.execute(arguments: StatementArguments(values.map(\.value)))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw IncidentError.conflict("\(what) exists already in the database")
        }
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
                if let known = try Int64.fetchOne(
                    db, sql: "SELECT incident_id FROM incident_source WHERE key IN (\(marks))",
                    arguments: StatementArguments(detail.sources))
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
