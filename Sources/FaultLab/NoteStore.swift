import FaultCatalog
import Foundation
import GRDB
import Hummingbird
import SQLiteSupport

/// A note, the resource of the small JSON API.
struct Note: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "note"

    var id: Int64?
    var text: String
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, text
        case createdAt = "created_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// The service's dependency: notes in a SQLite file. Every call first asks the fault registry whether a
/// `dependency_down` fault makes it fail, and counts in `app_store_calls_total` and
/// `app_store_call_duration_seconds`, failures included.
struct NoteStore: Sendable {
    private let writer: any DatabaseWriter
    private let faults: FaultRegistry
    private let metrics: AppMetrics

    /// A store over `writer`, which holds the current schema (see ``open(path:)``).
    init(writer: any DatabaseWriter, faults: FaultRegistry, metrics: AppMetrics) {
        self.writer = writer
        self.faults = faults
        self.metrics = metrics
    }

    /// Opens the file at `path`, creating and migrating it as needed.
    static func open(path: String) throws -> DatabasePool {
        let pool = try SQLiteFile.pool(path: path, busyTimeout: 5)
        try SQLiteFile.migrate(pool, with: migrator)
        return pool
    }

    /// The schema, built only through migrations; a shipped migration is never edited.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 notes") { db in
            try db.create(table: "note") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("text", .text).notNull()
                table.column("created_at", .text).notNull()
            }
        }
        return migrator
    }()

    func add(text: String) async throws -> Note {
        try await measured(.add) {
            let note = Note(id: nil, text: text, createdAt: Date().rfc3339)
            return try await writer.write { db in try note.inserted(db) }
        }
    }

    /// The newest notes first.
    func list(limit: Int) async throws -> [Note] {
        try await measured(.list) {
            try await writer.read { db in try Note.order(Column("id").desc).limit(limit).fetchAll(db) }
        }
    }

    func note(id: Int64) async throws -> Note? {
        try await measured(.get) {
            try await writer.read { db in try Note.fetchOne(db, key: id) }
        }
    }

    /// Throws unless the store answers a query: the readiness check.
    func ping() async throws {
        try await measured(.ping) {
            _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        }
    }

    /// Runs `call` unless a `dependency_down` fault fails it, and records its outcome and duration.
    private func measured<Result>(_ operation: StoreCall, _ call: () async throws -> Result) async throws -> Result {
        let start = ContinuousClock.now
        do {
            if let fault = faults.failure(.dependencyDown) { throw DependencyUnavailable(fault: fault) }
            let result = try await call()
            metrics.recordStoreCall(operation, succeeded: true, duration: .now - start)
            return result
        } catch {
            metrics.recordStoreCall(operation, succeeded: false, duration: .now - start)
            throw error
        }
    }
}

/// The data store failed a call because of a `dependency_down` fault: the caller answers 503.
struct DependencyUnavailable: HTTPResponseError, CustomStringConvertible {
    let fault: ActiveFault

    var description: String { "unavailable (fault \(fault.label))" }

    var status: HTTPResponse.Status { .serviceUnavailable }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(.serviceUnavailable, message: "data store unavailable").response(from: request, context: context)
    }
}
