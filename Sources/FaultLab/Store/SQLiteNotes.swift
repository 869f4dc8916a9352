import GRDB
import SQLiteSupport

/// Notes in a SQLite file of this replica's own (`APP_DATA`): the single-process lab and a laptop.
struct SQLiteNotes: NotesBackend {
    private let writer: any DatabaseWriter

    /// Opens the file at `path`, creating and migrating it as needed.
    init(path: String) throws {
        let pool = try SQLiteFile.pool(path: path, busyTimeout: 5)
        try SQLiteFile.migrate(pool, with: Self.migrator)
        writer = pool
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

    func add(_ note: Note) async throws -> Note {
        try await writer.write { db in try note.inserted(db) }
    }

    func list(limit: Int) async throws -> [Note] {
        try await writer.read { db in try Note.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    func note(id: Int64) async throws -> Note? {
        try await writer.read { db in try Note.fetchOne(db, key: id) }
    }

    func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
