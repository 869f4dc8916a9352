import Foundation
import GRDB

/// The SQLite file that holds every incident, its timeline and its action items.
///
/// Each public method runs in one transaction: it either changes everything it should or nothing.
public final class IncidentStore: Sendable {
    let writer: any DatabaseWriter
    /// The file behind the store; nil for an in-memory store.
    public let path: String?
    /// True when opening created the file, so that a command that then fails can remove it again.
    public let createdFile: Bool

    /// How long a command waits for another process's write before giving up.
    static let busyTimeout: TimeInterval = 10

    private init(writer: any DatabaseWriter, path: String?, createdFile: Bool = false) {
        self.writer = writer
        self.path = path
        self.createdFile = createdFile
    }

    /// Where the database lives: `--db`, else `$INCIDENT_DB`, else `$XDG_DATA_HOME/incident/incidents.db`
    /// (`~/.local/share/incident/incidents.db`).
    public static func location(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["INCIDENT_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/incident/incidents.db"
    }

    /// What to do when the database file does not exist yet; also whether the command writes.
    public enum MissingFile: Sendable {
        /// Create it (mode 0600, WAL): for commands that write.
        case create
        /// Read an empty in-memory store instead, so that reading commands work before the first incident.
        case readEmpty
        /// Fail with ``IncidentError/missingFile(_:)``: for maintenance commands that only read.
        case fail
    }

    /// Opens the database at `path`. A file that is not an incident database, is corrupt, or was written
    /// by a newer `incident` is refused before anything is written to it. Commands that only read get a
    /// read-only connection, which leaves the file exactly as it was (a `DatabasePool` writes on opening);
    /// those that write get a `DatabasePool` and run pending migrations.
    public static func open(path: String, ifMissing: MissingFile) throws -> IncidentStore {
        let exists = FileManager.default.fileExists(atPath: path)
        switch (exists, ifMissing) {
        case (false, .readEmpty): return try inMemory()
        case (false, .fail):
            throw IncidentError.missingFile("no database at \(path); pass --db, or set INCIDENT_DB, to name one")
        default: break
        }
        return try translatingDatabaseErrors(path: path) {
            if exists {
                let reader = try preflight(path: path)
                if ifMissing != .create, try reader.read(Schema.migrator.hasCompletedMigrations) {
                    return IncidentStore(writer: reader, path: path)
                }
            } else {
                try createFile(path: path)
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(busyTimeout)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrate(pool)
            return IncidentStore(writer: pool, path: path, createdFile: !exists)
        }
    }

    /// An empty store in memory, for tests and for reading before the first write.
    public static func inMemory() throws -> IncidentStore {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue)
        return IncidentStore(writer: queue, path: nil)
    }

    /// Checks, read-only, that an existing file is an incident database this binary can use, and returns
    /// the read-only connection it checked with.
    private static func preflight(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.read { db in
            let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            if !tables.isEmpty && !tables.contains("grdb_migrations") {
                throw IncidentError.database(
                    "\(path) is an SQLite database of another program, not an incident database; "
                    + "pass --db with another path")
            }
            if try Schema.migrator.hasBeenSuperseded(db) {
                let unknown = try Schema.migrator.appliedIdentifiers(db).subtracting(Schema.migrator.migrations)
                throw IncidentError.database(
                    "\(path) was written by a newer version of incident (schema \(unknown.sorted().joined(separator: ", "))); "
                    + "upgrade incident to use it. The file was left untouched")
            }
        }
        return queue
    }

    private static func createFile(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let descriptor = Foundation.open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw IncidentError.database("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs pending migrations. Several processes may race to create a new database: the losers'
    /// transactions roll back, and they go on once the winner's migrations are complete.
    private static func migrate(_ writer: any DatabaseWriter) throws {
        for attempt in 1... {
            do {
                try Schema.migrator.migrate(writer)
                return
            } catch {
                if try writer.read(Schema.migrator.hasCompletedMigrations) { return }
                if attempt >= 5 { throw error }
            }
        }
    }

    /// Runs `body` in one immediate transaction: it sees the latest data and holds the write lock throughout.
    /// With `commit` false the transaction is rolled back once `body` returns, for dry runs.
    func write<T>(commit: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try Self.translatingDatabaseErrors(path: path) {
            try writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return commit ? .commit : .rollback
                }
                return result!
            }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.translatingDatabaseErrors(path: path) { try writer.read(body) }
    }

    /// Turns SQLite's errors into ``IncidentError/database(_:)`` with advice; other errors pass through.
    static func translatingDatabaseErrors<T>(path: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            let file = path ?? "the in-memory database"
            let detail = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw IncidentError.database(
                    "\(file) is not an incident database or is corrupt (SQLite: \(detail)); "
                    + "restore it from a backup made with `incident db backup`, or pass --db with another path")
            case .SQLITE_ERROR:
                throw IncidentError.database(
                    "internal error: a query on \(file) failed (SQLite: \(detail)); this is a bug in incident, "
                    + "please report it with the command you ran")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                throw IncidentError.database(
                    "\(file) stayed locked by another process for \(Int(busyTimeout)) s (SQLite: \(detail)); try again")
            default:
                throw IncidentError.database(
                    "cannot use \(file) (SQLite: \(detail)); check that it exists, is readable and writable, "
                    + "and that the disk has free space")
            }
        }
    }
}
