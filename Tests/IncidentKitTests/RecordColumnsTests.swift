import GRDB
import Testing

@testable import IncidentKit

/// Incidents, timeline events and action items read (and the first two write) their columns by hand (for
/// speed): every column of the record must be written, and read back to the same record. Inserts and updates write the columns each
/// record lists (`storedColumns`): the same as GRDB's `Encodable` columns, for the records that have those.
struct RecordColumnsTests {
    static let at = Timestamp(milliseconds: 1_764_000_000_123)

    static var incident: Incident {
        var incident = Incident(
            title: "t", service: "app", severity: .sev2, kind: .injected, fault: "abort", startedAt: at)
        incident.id = 7
        incident.target = "http://127.0.0.1:1"
        incident.faultId = 3
        incident.causedBy = 2
        incident.detectedAt = at.adding(seconds: 1)
        incident.acknowledgedAt = at.adding(seconds: 2)
        incident.mitigatedAt = at.adding(seconds: 3)
        incident.resolvedAt = at.adding(seconds: 4)
        incident.detection = "probe"
        incident.cause = "c"
        incident.causeCategory = "code"
        incident.fix = "f"
        incident.summary = "s"
        incident.impact = "i"
        incident.trigger = "tr"
        incident.lessons = "l"
        incident.cancelled = true
        incident.cancelReason = "r"
        return incident
    }

    @Test func anIncidentWritesEveryColumnAndReadsItselfBack() throws {
        let columns = try Self.incident.databaseDictionary
        #expect(Set(columns.keys) == Set(Incident.CodingKeys.allCases.map(\.rawValue)))
        #expect(columns.values.allSatisfy { !$0.isNull }, "every field was set")
        #expect(try Incident(row: Row(columns)) == Self.incident)
    }

    @Test func aTimelineEventWritesEveryColumnAndReadsItselfBack() throws {
        let event = TimelineEvent(
            id: 9, incidentId: 7, at: Self.at, kind: .detected, text: "x", author: "a",
            recordedAt: Self.at.adding(seconds: 5))
        let columns = try event.databaseDictionary
        #expect(Set(columns.keys) == Set(TimelineEvent.CodingKeys.allCases.map(\.rawValue)))
        #expect(try TimelineEvent(row: Row(columns)) == event)
    }

    /// Incidents, timeline events and action items read their columns expecting the table's order (a
    /// comparison of names instead of a lookup): rows in that order, in another order, and with other columns
    /// among them all read the same record.
    @Test func aStoredRowReadsTheSameInAnyColumnOrder() throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false  // the incident's fault and deploy rows are not there
        let database = try DatabaseQueue(configuration: configuration)
        try Schema.migrator.migrate(database)
        let event = TimelineEvent(
            id: 9, incidentId: 7, at: Self.at, kind: .detected, text: "x", author: "a",
            recordedAt: Self.at.adding(seconds: 5))
        try database.write { db in
            var incident = Self.incident
            try incident.insert(db)
            var stored = event
            try stored.insert(db)
            var action = Self.action
            try action.insert(db)
        }
        try database.read { db in
            func columns(_ table: String) throws -> [String] { try db.columns(in: table).map(\.name) }
            for order in [
                try columns("incident"), try columns("incident").reversed(),
                try ["'extra' AS extra"] + columns("incident"),
            ] {
                let sql = "SELECT \(order.joined(separator: ", ")) FROM incident"
                #expect(try Incident.fetchOne(db, sql: sql) == Self.incident, "\(sql)")
            }
            for order in [try columns("timeline_event"), try columns("timeline_event").reversed()] {
                let sql = "SELECT \(order.joined(separator: ", ")) FROM timeline_event"
                #expect(try TimelineEvent.fetchOne(db, sql: sql) == event, "\(sql)")
            }
            for order in [try columns("action_item"), try columns("action_item").reversed()] {
                let sql = "SELECT \(order.joined(separator: ", ")) FROM action_item"
                #expect(try ActionItem.fetchOne(db, sql: sql) == Self.action, "\(sql)")
            }
        }
    }

    @Test func aValueOfAnotherTypeIsAnErrorNotACrash() {
        var columns = try! Self.incident.databaseDictionary
        columns["severity"] = "sev9".databaseValue
        let error = #expect(throws: UnreadableValue.self) { try Incident(row: Row(columns)) }
        #expect(error?.detail == "column severity holds 'sev9'")
        #expect(
            error?.error(in: "x.db").description.hasPrefix(
                "x.db holds a value incident cannot read (column severity holds 'sev9')") == true)
    }

    /// Requires that `record`'s stored columns are its GRDB columns, names and values.
    static func requireStoredColumnsMatch<R: StoredRecord>(_ record: R) throws {
        let columns = try record.databaseDictionary
        let stored = record.storedValues
        #expect(Set(stored.names) == Set(columns.keys), "\(R.self)")
        for (name, value) in zip(stored.names, stored.values) {
            #expect(columns[name] == value, "\(R.self).\(name)")
        }
        #expect(columns.values.allSatisfy { !$0.isNull }, "every field of the \(R.self) was set")
    }

    /// An action item with every field set.
    static var action: ActionItem {
        var action = ActionItem(
            incidentId: 7, title: "t", kind: .detect, owner: "o", due: "2026-12-01", url: "u", createdAt: Self.at)
        (action.id, action.status, action.closedAt, action.closeReason) = (2, .dropped, Self.at, "r")
        return action
    }

    @Test func everyRecordListsItsStoredColumns() throws {
        try Self.requireStoredColumnsMatch(Self.action)
        try Self.requireStoredColumnsMatch(
            Alert(
                id: 3, fingerprint: "f", name: "n", service: "s", status: .resolved, startsAt: Self.at,
                endsAt: Self.at, labels: "{}", annotations: "{}", receivedAt: Self.at, incidentId: 7, outcome: .late))
        var deploy = Deploy(
            service: "s", version: "v", commitSha: "c", committedAt: Self.at, deployedAt: Self.at, result: .failed,
            strategy: "canary", notes: "n", source: "x", author: "a", recordedAt: Self.at)
        deploy.id = 4
        try Self.requireStoredColumnsMatch(deploy)
        var experiment = ChaosExperiment(
            pool: "p", service: "s", name: "n", fault: "abort", scope: "one", holdS: 1.5, startedAt: Self.at,
            outcome: .halted, reason: "r", author: "a")
        (experiment.id, experiment.endedAt, experiment.incidentId) = (5, Self.at, 7)
        try Self.requireStoredColumnsMatch(experiment)
    }

    @Test func theStoredColumnsAreTheTablesColumns() throws {
        let database = try DatabaseQueue()
        try Schema.migrator.migrate(database)
        func check<R: StoredRecord>(_: R.Type) throws {
            let table = try database.read { try $0.columns(in: R.databaseTableName).map(\.name) }
            #expect(Set(table) == Set(["id"] + R.storedColumns.map(\.name)), "\(R.databaseTableName)")
            #expect(table.count == R.storedColumns.count + 1, "\(R.databaseTableName): no column listed twice")
        }
        for type in storedRecordTypes { try check(type) }
    }
}
