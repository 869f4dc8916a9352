import Conventions
import Foundation
import GRDB

/// What `incident db check` found.
public struct DatabaseHealth: Encodable, Sendable {
    /// The file, or the PostgreSQL server and database (`postgres://USER@HOST:PORT/DATABASE`).
    public var path: String?
    /// The migrations applied, oldest first: the schema version.
    public var schema: [String]
    public var incidents: Int
    public var actionItems: Int
    public var timelineEvents: Int
    /// Problems the checks reported (SQLite's integrity and foreign-key checks; on PostgreSQL, which enforces
    /// its constraints itself, tables missing from the schema); empty when the database is sound.
    public var problems: [String]

    public var isHealthy: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case path, schema, incidents
        case actionItems = "action_items"
        case timelineEvents = "timeline_events"
        case problems
    }
}

extension SQLiteEngine {
    /// Creates the file if it is missing; opening it for writing ran the migrations.
    func initialize() async throws -> DatabaseHealth {
        try await prepareForWriting()
        return try await check()
    }

    /// Runs SQLite's integrity and foreign-key checks.
    func check() async throws -> DatabaseHealth {
        let path = path
        return try await readDatabase { db in try Self.health(db, path: path, readingEveryRow: true) }
    }

    /// The integrity checks' findings and the contents of the database `db` is connected to; with
    /// `readingEveryRow`, also every row incident cannot read (a scan as long as an export's).
    private static func health(_ db: Database, path: String?, readingEveryRow: Bool) throws -> DatabaseHealth {
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        var problems = integrity
        problems += try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
            "\(row[0] as String? ?? "?") row \(row[1] as Int64? ?? 0) points to a missing \(row[2] as String? ?? "?")"
        }
        // A file SQLite finds damaged may fail reading too: its own findings are what to act on first.
        if integrity.isEmpty && readingEveryRow { problems += try db.unreadableRows() }
        return DatabaseHealth(
            path: path,
            schema: try Schema.migrator.appliedMigrations(db),
            incidents: try Incident.fetchCount(db),
            actionItems: try ActionItem.fetchCount(db),
            timelineEvents: try TimelineEvent.fetchCount(db),
            problems: problems)
    }

    /// Copies the database to a new file with SQLite's online backup, safe while others write, and
    /// returns what the copy holds, checked on the connection that wrote it (a second, read-only one would
    /// leave WAL files beside the copy).
    @discardableResult
    func backup(to destination: String) async throws -> DatabaseHealth {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw IncidentError.invalidInput("\(destination) exists already; choose a new file name for the backup")
        }
        return try Self.translatingDatabaseErrors(path: destination) {
            let descriptor = Foundation.open(destination, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            guard descriptor >= 0 else {
                throw IncidentError.database(SystemError("cannot create \(destination)").description)
            }
            close(descriptor)
            do {
                let copy = try DatabaseQueue(path: destination)
                try backup(into: copy)
                // Only the page-level checks: a backup copies rows as they are, readable or not.
                let health = try copy.read { try Self.health($0, path: destination, readingEveryRow: false) }
                try copy.close()
                return health
            } catch {
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
        }
    }
}
