import GRDB
import Synchronization

/// One column of a stored record's table, other than `id`, and the record's value for it.
struct StoredColumn<Record>: Sendable {
    let name: String
    let value: @Sendable (Record) -> DatabaseValue

    init<Value: DatabaseValueConvertible>(_ key: some CodingKey, _ value: @escaping @Sendable (Record) -> Value?) {
        name = key.stringValue
        self.value = { value($0)?.databaseValue ?? .null }
    }
}

extension StoredRecord {
    /// The record's columns and their values, `id` first when it has one.
    var storedValues: (names: [String], values: [DatabaseValue]) {
        let columns = Self.storedColumns
        let given = id.map { [("id", $0.databaseValue)] } ?? []
        return (given.map(\.0) + columns.map(\.name), given.map(\.1) + columns.map { $0.value(self) })
    }

    /// Writes the columns of ``storedColumns`` and `id` (GRDB's `Encodable` path took an eighth of an
    /// import).
    func encodeStoredColumns(to container: inout PersistenceContainer) {
        container["id"] = id
        for column in Self.storedColumns { container[column.name] = column.value(self) }
    }
}

/// SQLite's INSERT of each table, built once: `id`, then every stored column.
enum SQLiteInserts {
    private static let statements = Mutex<[String: String]>([:])

    static func sql<R: StoredRecord>(for _: R.Type) -> String {
        statements.withLock { statements in
            if let sql = statements[R.databaseTableName] { return sql }
            let names = ["id"] + R.storedColumns.map(\.name)
            let sql =
                "INSERT INTO \(R.databaseTableName) (\(names.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) "
                + "VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
            statements[R.databaseTableName] = sql
            return sql
        }
    }
}

extension Incident {
    static let storedColumns: [StoredColumn<Incident>] = [
        StoredColumn(CodingKeys.title) { $0.title },
        StoredColumn(CodingKeys.service) { $0.service },
        StoredColumn(CodingKeys.severity) { $0.severity },
        StoredColumn(CodingKeys.kind) { $0.kind },
        StoredColumn(CodingKeys.fault) { $0.fault },
        StoredColumn(CodingKeys.target) { $0.target },
        StoredColumn(CodingKeys.faultId) { $0.faultId },
        StoredColumn(CodingKeys.causedBy) { $0.causedBy },
        StoredColumn(CodingKeys.startedAt) { $0.startedAt },
        StoredColumn(CodingKeys.detectedAt) { $0.detectedAt },
        StoredColumn(CodingKeys.acknowledgedAt) { $0.acknowledgedAt },
        StoredColumn(CodingKeys.mitigatedAt) { $0.mitigatedAt },
        StoredColumn(CodingKeys.resolvedAt) { $0.resolvedAt },
        StoredColumn(CodingKeys.detection) { $0.detection },
        StoredColumn(CodingKeys.cause) { $0.cause },
        StoredColumn(CodingKeys.causeCategory) { $0.causeCategory },
        StoredColumn(CodingKeys.fix) { $0.fix },
        StoredColumn(CodingKeys.summary) { $0.summary },
        StoredColumn(CodingKeys.impact) { $0.impact },
        StoredColumn(CodingKeys.trigger) { $0.trigger },
        StoredColumn(CodingKeys.lessons) { $0.lessons },
        StoredColumn(CodingKeys.cancelled) { $0.cancelled },
        StoredColumn(CodingKeys.cancelReason) { $0.cancelReason },
    ]

    public func encode(to container: inout PersistenceContainer) {
        encodeStoredColumns(to: &container)
    }
}

extension TimelineEvent {
    static let storedColumns: [StoredColumn<TimelineEvent>] = [
        StoredColumn(CodingKeys.incidentId) { $0.incidentId },
        StoredColumn(CodingKeys.at) { $0.at },
        StoredColumn(CodingKeys.kind) { $0.kind },
        StoredColumn(CodingKeys.text) { $0.text },
        StoredColumn(CodingKeys.author) { $0.author },
        StoredColumn(CodingKeys.recordedAt) { $0.recordedAt },
    ]

    public func encode(to container: inout PersistenceContainer) {
        encodeStoredColumns(to: &container)
    }
}

// The other records keep GRDB's `Encodable` columns; RecordColumnsTests holds these lists to them.

extension ActionItem {
    static let storedColumns: [StoredColumn<ActionItem>] = [
        StoredColumn(CodingKeys.incidentId) { $0.incidentId },
        StoredColumn(CodingKeys.title) { $0.title },
        StoredColumn(CodingKeys.kind) { $0.kind },
        StoredColumn(CodingKeys.owner) { $0.owner },
        StoredColumn(CodingKeys.due) { $0.due },
        StoredColumn(CodingKeys.url) { $0.url },
        StoredColumn(CodingKeys.status) { $0.status },
        StoredColumn(CodingKeys.createdAt) { $0.createdAt },
        StoredColumn(CodingKeys.closedAt) { $0.closedAt },
        StoredColumn(CodingKeys.closeReason) { $0.closeReason },
    ]
}

extension Alert {
    static let storedColumns: [StoredColumn<Alert>] = [
        StoredColumn(CodingKeys.fingerprint) { $0.fingerprint },
        StoredColumn(CodingKeys.name) { $0.name },
        StoredColumn(CodingKeys.service) { $0.service },
        StoredColumn(CodingKeys.status) { $0.status },
        StoredColumn(CodingKeys.startsAt) { $0.startsAt },
        StoredColumn(CodingKeys.endsAt) { $0.endsAt },
        StoredColumn(CodingKeys.labels) { $0.labels },
        StoredColumn(CodingKeys.annotations) { $0.annotations },
        StoredColumn(CodingKeys.receivedAt) { $0.receivedAt },
        StoredColumn(CodingKeys.incidentId) { $0.incidentId },
        StoredColumn(CodingKeys.outcome) { $0.outcome },
    ]
}

extension Deploy {
    static let storedColumns: [StoredColumn<Deploy>] = [
        StoredColumn(CodingKeys.service) { $0.service },
        StoredColumn(CodingKeys.version) { $0.version },
        StoredColumn(CodingKeys.commitSha) { $0.commitSha },
        StoredColumn(CodingKeys.committedAt) { $0.committedAt },
        StoredColumn(CodingKeys.deployedAt) { $0.deployedAt },
        StoredColumn(CodingKeys.result) { $0.result.rawValue },
        StoredColumn(CodingKeys.strategy) { $0.strategy },
        StoredColumn(CodingKeys.notes) { $0.notes },
        StoredColumn(CodingKeys.source) { $0.source },
        StoredColumn(CodingKeys.author) { $0.author },
        StoredColumn(CodingKeys.recordedAt) { $0.recordedAt },
    ]
}

extension ChaosExperiment {
    static let storedColumns: [StoredColumn<ChaosExperiment>] = [
        StoredColumn(CodingKeys.pool) { $0.pool },
        StoredColumn(CodingKeys.service) { $0.service },
        StoredColumn(CodingKeys.name) { $0.name },
        StoredColumn(CodingKeys.fault) { $0.fault },
        StoredColumn(CodingKeys.scope) { $0.scope },
        StoredColumn(CodingKeys.holdS) { $0.holdS },
        StoredColumn(CodingKeys.startedAt) { $0.startedAt },
        StoredColumn(CodingKeys.endedAt) { $0.endedAt },
        StoredColumn(CodingKeys.outcome) { $0.outcome.rawValue },
        StoredColumn(CodingKeys.reason) { $0.reason },
        StoredColumn(CodingKeys.incidentId) { $0.incidentId },
        StoredColumn(CodingKeys.author) { $0.author },
    ]
}
