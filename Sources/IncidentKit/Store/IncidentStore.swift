import Foundation
import PostgresSupport

/// Where every incident, its timeline, action items, alerts and decisions are kept: the
/// ``IncidentRepository`` the commands use. Its operations are written once, over SQL both engines run
/// (``SQLSession``), and kept in an SQLite file (one person's history) or a PostgreSQL database (a team's).
///
/// Each public method runs in one transaction: it either changes everything it should or nothing.
public final class IncidentStore: IncidentRepository {
    /// The engine the transactions run on.
    let engine: any StoreEngine

    init(_ engine: any StoreEngine) {
        self.engine = engine
    }

    /// The file, or the server and database as `postgres://USER@HOST:PORT/DATABASE` (no password); nil in
    /// memory.
    public var path: String? { engine.name }

    /// Where the database lives: `--db`, else `$INCIDENT_DB`, else `$XDG_DATA_HOME/incident/incidents.db`
    /// (`~/.local/share/incident/incidents.db`).
    public static func location(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["INCIDENT_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        let dataHome =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
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
        /// Write to an empty in-memory store instead, so that a dry run creates nothing; an existing file is
        /// opened for writing, and the dry run rolls its transaction back.
        case writeInMemory
    }

    /// Opens the store `location` names: a PostgreSQL database for a `postgres://` or `postgresql://` URI
    /// (connecting can be cancelled, by Ctrl-C), else the SQLite file at that path (``open(path:ifMissing:)``).
    /// `ifMissing` says what to do when there is no store there yet: a PostgreSQL database gets its schema
    /// with the first write (with ``MissingFile/create``, at once), and reads as empty until then.
    public static func connect(to location: String, ifMissing: MissingFile) async throws -> IncidentStore {
        if PostgresAddress.isAddress(location) {
            return IncidentStore(try await PostgresEngine(address: location, ifMissing: ifMissing))
        }
        return try open(path: location, ifMissing: ifMissing)
    }

    /// Opens the SQLite file at `path`. A file that is not an incident database, is corrupt, or was written
    /// by a newer `incident` is refused before anything is written to it. Commands that only read get a
    /// read-only connection, which leaves the file exactly as it was; those that write get one writing
    /// connection, and run pending migrations. A missing file opened with ``MissingFile/create`` is made by
    /// the first write that commits, so that a command refused or interrupted before it wrote leaves no
    /// empty database behind.
    public static func open(path: String, ifMissing: MissingFile) throws -> IncidentStore {
        IncidentStore(try SQLiteEngine.open(path: path, ifMissing: ifMissing))
    }

    /// An empty SQLite store in memory, for tests and for reading before the first write.
    public static func inMemory() throws -> IncidentStore {
        IncidentStore(try SQLiteEngine.inMemory())
    }

    /// Makes the store ready for writes now (creates a missing SQLite file, migrates a PostgreSQL schema),
    /// for a server that should fail at start rather than at its first write.
    public func prepareForWriting() async throws {
        try await engine.prepareForWriting()
    }

    /// Runs `body` in one transaction that sees the latest data and wins over, or waits for, every other
    /// writer; with `commit` false it is rolled back once `body` returns, for dry runs. A transaction that
    /// lost to a concurrent one runs again (only it: `body` must do nothing else) unless `retrying` is false,
    /// for work that reads a stream.
    func write<T: Sendable>(
        commit: Bool = true, retrying: Bool = true, _ body: @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        try await engine.write(commit: commit, retrying: retrying, body)
    }

    /// Runs `body` in one read-only transaction: a consistent snapshot.
    func read<T: Sendable>(_ body: @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await engine.read(body)
    }
}

extension IncidentStore: StoreMaintenance {
    public func initialize() async throws -> DatabaseHealth { try await engine.initialize() }
    public func check() async throws -> DatabaseHealth { try await engine.check() }
    public func backup(to destination: String) async throws -> DatabaseHealth {
        try await engine.backup(to: destination)
    }
}

/// Where a store's transactions run: an SQLite file or a PostgreSQL database.
protocol StoreEngine: StoreMaintenance {
    /// The file, or the server and database without any password; nil in memory.
    var name: String? { get }

    /// See ``IncidentStore/write(commit:retrying:_:)``.
    func write<T: Sendable>(commit: Bool, retrying: Bool, _ body: @Sendable (any SQLSession) throws -> T)
        async throws -> T

    /// See ``IncidentStore/read(_:)``.
    func read<T: Sendable>(_ body: @Sendable (any SQLSession) throws -> T) async throws -> T

    /// See ``IncidentStore/prepareForWriting()``.
    func prepareForWriting() async throws
}
