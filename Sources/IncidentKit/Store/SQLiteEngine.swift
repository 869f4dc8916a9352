import Conventions
import Foundation
import GRDB
import SQLiteSupport
import Synchronization

/// An SQLite file that holds a store (GRDB's `AppDatabase` pattern: the database connection is handed in,
/// the schema is built only by migrations), and what it takes to use one file from several processes safely:
/// creating it with the first write that commits, and noticing a file replaced under the connection.
final class SQLiteEngine: StoreEngine {
    /// The connection writes go through and the file behind it. It changes when the first write creates a
    /// missing file, and when another process replaced the file under this store.
    private struct Connection: Sendable {
        var writer: any DatabaseWriter
        /// The file the writer opened; nil in memory.
        var identity: FileIdentity?
        /// True while the file at ``path`` does not exist yet: reads see an empty store, and
        /// the first write creates the file.
        var fileMissing = false
        /// True from this process creating the file until a write to it commits: if that write fails or is
        /// cancelled, the new file is removed again.
        var createdFile = false
    }

    private let connection: Mutex<Connection>
    /// The file behind the store; nil for an in-memory store.
    let path: String?

    var name: String? { path }

    /// How long a command waits for another process's write before giving up.
    static let busyTimeout: TimeInterval = 10

    /// A store over `writer`, whose schema is migrated to the current version first. `path` names the file
    /// in messages.
    convenience init(_ writer: any DatabaseWriter, path: String? = nil) throws {
        try SQLiteFile.migrate(writer, with: Schema.migrator)
        self.init(Connection(writer: writer), path: path)
    }

    private init(_ connection: Connection, path: String?) {
        self.connection = Mutex(connection)
        self.path = path
    }

    /// Thrown by a write when the database file was removed or replaced after this store opened it (another
    /// process abandoned a file it had just created): nothing was written, and the command should open the
    /// path again and retry.
    struct FileReplaced: Error {}

    /// Opens the database at `path`. A file that is not an incident database, is corrupt, or was written
    /// by a newer `incident` is refused before anything is written to it. Commands that only read get a
    /// read-only connection, which leaves the file exactly as it was; those that write get one writing
    /// connection, and run pending migrations. A missing file opened with ``IncidentStore/MissingFile/create`` is made by
    /// the first write that commits, so that a command refused or interrupted before it wrote leaves no
    /// empty database behind.
    static func open(path: String, ifMissing: IncidentStore.MissingFile) throws -> SQLiteEngine {
        var status = stat()
        let exists = stat(path, &status) == 0
        guard !exists || status.st_mode & S_IFMT != S_IFDIR else {
            throw IncidentError.database("\(path) is a folder; pass --db with the path of a database file")
        }
        switch (exists, ifMissing) {
        case (false, .readEmpty), (false, .writeInMemory): return try inMemory()
        case (false, .fail):
            throw IncidentError.missingFile("no database at \(path); pass --db, or set INCIDENT_DB, to name one")
        case (false, .create):
            return SQLiteEngine(try pending(), path: path)
        case (true, .readEmpty), (true, .fail):
            return try translatingDatabaseErrors(path: path) {
                let reader = try SQLiteFile.reader(path: path, busyTimeout: busyTimeout)
                try preflight(reader, path: path)
                if try reader.read(Schema.migrator.hasCompletedMigrations) {
                    return SQLiteEngine(Connection(writer: reader), path: path)
                }
                // Written by an older incident: read a migrated copy in memory, and leave the file as it is
                // until a command that writes migrates it.
                let copy = try DatabaseQueue()
                try reader.backup(to: copy)
                try SQLiteFile.migrate(copy, with: Schema.migrator)
                return SQLiteEngine(Connection(writer: copy), path: path)
            }
        case (true, .create), (true, .writeInMemory):
            do {
                return SQLiteEngine(try openFile(path: path), path: path)
            } catch is FileReplaced {
                // Removed while opened by a process whose first write failed: the first write opens it afresh.
                return SQLiteEngine(try pending(), path: path)
            }
        }
    }

    /// The connection of a store whose file does not exist yet: reads see an empty store in memory.
    private static func pending() throws -> Connection {
        let empty = try DatabaseQueue()
        try SQLiteFile.migrate(empty, with: Schema.migrator)
        return Connection(writer: empty, fileMissing: true)
    }

    /// Opens the file at `path` for writing, creating it (and remembering that this process did) when it is
    /// missing, checks it and runs pending migrations.
    private static func openFile(path: String) throws -> Connection {
        try translatingDatabaseErrors(path: path) {
            let created = try createFile(path: path)
            // The file the connection opens: the same before and after opening, or it was replaced meanwhile.
            let identity = FileIdentity(path: path)
            let writer = try SQLiteFile.writer(path: path, busyTimeout: busyTimeout)
            guard identity != nil, FileIdentity(path: path) == identity else { throw FileReplaced() }
            let connection = Connection(writer: writer, identity: identity, createdFile: created)
            do {
                try preflight(writer, path: path)
                try SQLiteFile.useWAL(writer)
                try SQLiteFile.migrate(writer, with: Schema.migrator)
            } catch {
                // A file another process removed while this one opened it: open the path again.
                if !created, FileIdentity(path: path) != identity { throw FileReplaced() }
                if created { _ = removeIfUnused(connection, path: path) }
                throw error
            }
            return connection
        }
    }

    func prepareForWriting() async throws {
        try createFileIfMissing()
    }

    /// Creates the database file now if it is missing.
    private func createFileIfMissing() throws {
        try connection.withLock { current in
            guard current.fileMissing, let path else { return }
            current = try Self.openFile(path: path)
            current.createdFile = false  // asked for: kept even if the first write fails
        }
    }

    /// An empty store in memory, for tests and for reading before the first write.
    static func inMemory() throws -> SQLiteEngine {
        try SQLiteEngine(DatabaseQueue())
    }

    /// Removes a file this process created and has not committed to, for a first write that failed or was
    /// cancelled, so that a refused first command leaves no empty database behind. Another process whose
    /// first write failed too closes its connection as it exits: this waits up to 5 s for it, without
    /// blocking a thread and whether or not the task was cancelled.
    private static func discard(_ connection: Connection, path: String) async {
        for _ in 0..<100 where !removeIfUnused(connection, path: path) { await pause(seconds: 0.05) }
    }

    /// Removes the file `connection` created if it holds no record of any kind and no other process has it
    /// open: leaving WAL mode, which this checks by doing, needs every other connection closed (removing
    /// the file under another process's open connection would pull its WAL files from under it). True when
    /// settled: removed, kept because it holds records, or no longer the file created; false while another
    /// process has it open. The connection cannot be used afterwards.
    private static func removeIfUnused(_ connection: Connection, path: String) -> Bool {
        try? (connection.writer as? DatabaseQueue)?.close()
        func remove() {
            for file in [path, path + "-wal", path + "-shm", path + "-journal"] { unlink(file) }
        }
        guard FileIdentity(path: path) == connection.identity else { return true }
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.writeWithoutTransaction { db -> Bool in
                let mode = try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                guard mode?.lowercased() == "delete" else {
                    return false  // another process has the file open (busy, or the mode stays WAL)
                }
                try db.execute(sql: "BEGIN IMMEDIATE")
                defer { try? db.execute(sql: "ROLLBACK") }
                if try !Self.holdsRecords(db) { remove() }
                return true
            }
        } catch {
            // No lock to be had (a full disk cannot even start a transaction): a file still empty holds
            // nothing, and a process that opened it meanwhile finds it replaced on its next write.
            var status = stat()
            if stat(path, &status) == 0, status.st_size == 0 { remove() }
            return true
        }
    }

    /// Whether any table holds a row besides the migrations' bookkeeping: incidents, decisions, alerts, or
    /// whatever a later migration adds (another process may have written any of them to a new file).
    private static func holdsRecords(_ db: Database) throws -> Bool {
        let tables = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                """)
        return try tables.contains { table in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))") == true
        }
    }

    /// Checks that an existing file is an incident database this binary can use, reading only.
    private static func preflight(_ reader: any DatabaseReader, path: String) throws {
        try reader.read { db in
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
    }

    /// Creates the file at `path` (mode 0600) unless it exists, and its folders (0700) when it is the default
    /// location; true when this call created it, which only one of several racing processes can.
    private static func createFile(path: String) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            // Only the default location is made with its folders: a missing folder in a path given is a typo.
            let unnamed = ProcessInfo.processInfo.environment.filter { $0.key != "INCIDENT_DB" }
            guard path == IncidentStore.location(explicit: nil, environment: unnamed) else {
                throw IncidentError.database(
                    "the folder \(directory) does not exist; create it first, or pass --db (or set INCIDENT_DB) "
                        + "with a path in an existing folder")
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw IncidentError.database(
                    "cannot create the folder \(directory): \(plainReason(error, path: directory)); "
                        + "pass --db with a path you can write")
            }
        }
        let descriptor = Foundation.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return true
        }
        guard errno == EEXIST else { throw IncidentError.database(SystemError("cannot create \(path)").description) }
        return false
    }

    /// The connection for a write: the first write on a missing file creates it.
    private func connectionForWriting() throws -> Connection {
        try connection.withLock { current in
            if current.fileMissing, let path { current = try Self.openFile(path: path) }
            return current
        }
    }

    /// Runs `body` in one immediate transaction: it sees the latest data and holds the write lock throughout,
    /// so it never loses to another writer and `retrying` changes nothing. With `commit` false the transaction
    /// is rolled back once `body` returns, for dry runs.
    ///
    /// When another process replaced the file under this store (it abandoned a file it had just created),
    /// nothing was written: the path is opened again and the transaction, only it, runs again. When the
    /// write that would have been the first to a file this process created fails or is cancelled, the file
    /// is removed again.
    func write<T: Sendable>(commit: Bool, retrying: Bool, _ body: @Sendable (any SQLSession) throws -> T) async throws
        -> T
    {
        for attempt in 1... {
            var current: Connection?
            do {
                let opened = try connectionForWriting()
                current = opened
                let result = try await Self.transaction(on: opened, path: path, commit: commit, body)
                if opened.createdFile && commit {
                    connection.withLock { $0.createdFile = false }
                }
                return result
            } catch is FileReplaced {
                guard attempt < 5 else {
                    throw IncidentError.database(
                        "\(path ?? "the database") was removed and made again by other processes while this command "
                            + "waited; try again")
                }
                // Open the path afresh on the next attempt, whatever file it names by then.
                let pending = try Self.pending()
                connection.withLock { $0 = pending }
            } catch {
                if let current, current.createdFile, let path {
                    await Self.discard(current, path: path)
                    let pending = try Self.pending()
                    connection.withLock { $0 = pending }
                }
                throw error
            }
        }
        fatalError("unreachable: the loop above returns or throws")
    }

    /// One immediate transaction on `connection`, refused with ``FileReplaced`` when the path no longer names
    /// the file the connection opened.
    private static func transaction<T: Sendable>(
        on connection: Connection, path: String?, commit: Bool, _ body: @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        let identity = connection.identity
        let replaced: @Sendable () -> Bool = { path.map { FileIdentity(path: $0) != identity } ?? false }
        return try await translatingDatabaseErrors(path: path) {
            do {
                return try await connection.writer.writeWithoutTransaction { db in
                    var result: T?
                    try db.inTransaction(.immediate) {
                        if replaced() { throw FileReplaced() }
                        result = try body(db)
                        return commit ? .commit : .rollback
                    }
                    return result!
                }
            } catch is DatabaseError where replaced() {
                // SQLite noticed first that the file moved under its connection (a read-only database).
                throw FileReplaced()
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await readDatabase { try body($0) }
    }

    /// Runs `body` in one read transaction on the GRDB connection.
    func readDatabase<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        let writer = connection.withLock { $0.writer }
        return try await Self.translatingDatabaseErrors(path: path) { try await writer.read(body) }
    }

    /// Copies the database to `copy` with SQLite's online backup, safe while others write.
    func backup(into copy: DatabaseQueue) throws {
        try connection.withLock { $0.writer }.backup(to: copy)
    }

    /// Turns SQLite's errors and unreadable stored values into ``IncidentError/database(_:)`` with advice;
    /// other errors pass through.
    static func translatingDatabaseErrors<T>(path: String?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw translated(error, path: path)
        }
    }

    /// ``translatingDatabaseErrors(path:_:)`` for synchronous work.
    static func translatingDatabaseErrors<T>(path: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw translated(error, path: path)
        }
    }

    private static func translated(_ error: any Error, path: String?) -> any Error {
        let file = path ?? "the in-memory database"
        switch error {
        case let error as DatabaseError: return translated(error, file: file)
        case let error as UnreadableValue: return error.error(in: file)
        default: return error
        }
    }

    private static func translated(_ error: DatabaseError, file: String) -> IncidentError {
        // SQLite's backup reports its failures with the message of a connection that had none.
        let detail = error.message.flatMap { $0 == "not an error" ? nil : $0 } ?? "\(error.resultCode)"
        if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            // GRDB's check after opening names the row, whole: its start says which.
            return .database(
                "\(file) holds a row that points to a missing one (SQLite: \(UnreadableValue.oneLine(detail))); it was changed "
                    + "outside incident: correct or delete that row, or restore the database from a backup")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .database(
                "\(file) is not an incident database or is corrupt (SQLite: \(detail)); "
                    + "restore it from a backup made with `incident db backup`, or pass --db with another path")
        case .SQLITE_ERROR:
            return .database(
                "internal error: a query on \(file) failed (SQLite: \(detail)); this is a bug in incident, "
                    + "please report it with the command you ran")
        case .SQLITE_FULL:
            return .database("the disk holding \(file) is full; free some space and try again")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .database(
                "\(file) stayed locked by another process for \(Int(busyTimeout)) s (SQLite: \(detail)); try again")
        default:
            return .database(
                "cannot use \(file) (SQLite: \(detail)); check that it exists, is readable and writable, "
                    + "and that the disk has free space")
        }
    }
}
