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
/// `dependency_down` fault makes it fail.
struct NoteStore: Sendable {
    private let writer: any DatabaseWriter
    private let faults: FaultRegistry

    /// A store over `writer`, which holds the current schema (see ``open(path:)``).
    init(writer: any DatabaseWriter, faults: FaultRegistry) {
        self.writer = writer
        self.faults = faults
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
        try checkDependency()
        let note = Note(id: nil, text: text, createdAt: Date().rfc3339)
        return try await writer.write { db in try note.inserted(db) }
    }

    /// The newest notes first.
    func list(limit: Int) async throws -> [Note] {
        try checkDependency()
        return try await writer.read { db in try Note.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    func note(id: Int64) async throws -> Note? {
        try checkDependency()
        return try await writer.read { db in try Note.fetchOne(db, key: id) }
    }

    /// Throws unless the store answers a query: the readiness check.
    func ping() async throws {
        try checkDependency()
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    private func checkDependency() throws {
        if let fault = faults.failure(.dependencyDown) { throw DependencyUnavailable(fault: fault) }
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
