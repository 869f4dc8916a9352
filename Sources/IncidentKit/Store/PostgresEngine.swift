import Foundation
import PostgresSupport
import Synchronization

/// A store in a PostgreSQL database, for a team that keeps one record: every command's transaction is
/// `SERIALIZABLE`, so that concurrent commands behave as if they ran one after the other (one that lost to
/// another runs again, seeing what the other did). The schema is made or migrated by `incident db init` or the
/// first write; before then the database reads as an empty store.
final class PostgresEngine: StoreEngine {
    /// The connection, used by one transaction at a time; made again when the server dropped it.
    private let state: Mutex<State>
    private struct State: @unchecked Sendable {
        var connection: PostgresConnection
        /// Whether the schema is known to be current.
        var migrated = false
    }
    /// The address connected to, for connecting again; it may hold a password and is never shown.
    private let address: String
    let name: String?

    /// Connects to the server and database `address` names (a `postgres://` URI, read by libpq with the
    /// `PG…` variables, `~/.pgpass` and `PGSERVICE`). Errors say which of unreachable (exit 69), refused
    /// credentials (77) and any other database error (74) it met; Ctrl-C ends the wait at once. With
    /// `ifMissing` ``IncidentStore/MissingFile/create`` the schema is made or migrated now.
    init(address: String, ifMissing: IncidentStore.MissingFile) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(address)
        } catch let error as PostgresError {
            throw Self.translated(error)
        }
        self.address = address
        name = connection.name
        state = Mutex(State(connection: connection))
        if ifMissing == .create { try await prepareForWriting() }
    }

    func prepareForWriting() async throws {
        try withConnection { state in
            guard !state.migrated else { return }
            // Current already, as it is but once: no lock, no transaction.
            if try appliedMigrations(state.connection)?.count != PostgresSchema.migrations.count {
                try migrate(state.connection)
            }
            state.migrated = true
        }
    }

    func write<T: Sendable>(commit: Bool, retrying: Bool, _ body: @Sendable (any SQLSession) throws -> T)
        async throws -> T
    {
        if commit {
            try await prepareForWriting()
        } else if try !hasSchema() {
            // A dry run makes nothing, not even the schema: it writes to an empty store in memory instead.
            return try await SQLiteEngine.inMemory().write(commit: false, retrying: false, body)
        }
        return try await withCancellableConnection { state in
            try state.connection.transaction(isolation: "SERIALIZABLE", commit: commit, retrying: retrying) {
                try body(PostgresSession(state.connection))
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLSession) throws -> T) async throws -> T {
        // Before the first write there is nothing to read, as in an SQLite file that does not exist yet.
        guard try hasSchema() else { return try await SQLiteEngine.inMemory().read(body) }
        return try await withCancellableConnection { state in
            try state.connection.transaction(isolation: "REPEATABLE READ READ ONLY") {
                try body(PostgresSession(state.connection))
            }
        }
    }

    /// Whether the database holds a store of this version; one of an older version is refused until
    /// `incident db init` (or a write) migrates it.
    private func hasSchema() throws -> Bool {
        try withConnection { state in
            if state.migrated { return true }
            guard let applied = try appliedMigrations(state.connection) else { return false }
            guard applied.count == PostgresSchema.migrations.count else {
                throw IncidentError.database(
                    "\(name ?? "the database") holds the schema of an older incident; migrate it with "
                        + "`incident db init --db URI`")
            }
            state.migrated = true
            return true
        }
    }

    /// ``withConnection(_:)`` for a command's transaction, which Ctrl-C cancels on the server at once.
    private func withCancellableConnection<T: Sendable>(_ body: (inout State) throws -> T) async throws -> T {
        let connection = state.withLock { $0.connection }
        return try await connection.cancellable { try withConnection(body) }
    }

    /// Runs `body` with the connection, alone, after connecting again if the server dropped it; PostgreSQL's
    /// errors become the ``IncidentError`` of their exit status.
    private func withConnection<T: Sendable>(_ body: (inout State) throws -> T) throws -> T {
        try translating {
            try state.withLock { state in
                if !state.connection.isConnected {
                    state.connection = try PostgresConnection(address)
                }
                do {
                    return try body(&state)
                } catch let error as PostgresError where error.kind == .unavailable {
                    throw IncidentError.unavailable(
                        "the connection to PostgreSQL ended during the command (\(error.message)); what it had not "
                            + "committed was rolled back. Check with `incident list` and try again once the server "
                            + "is back")
                }
            }
        }
    }

    /// Creates or migrates the schema in one transaction, one process at a time.
    private func migrate(_ connection: PostgresConnection) throws {
        try connection.transaction(isolation: "READ COMMITTED") {
            // One migrating process at a time; the others wait, then find the schema current.
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('incident schema'))")
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS \(PostgresSchema.ledger) (identifier TEXT PRIMARY KEY, "
                    + "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = try appliedMigrations(connection) ?? []
            if applied.isEmpty, try exists("incident", connection) {
                throw IncidentError.database(
                    "\(name ?? "the database") holds an incident table that incident did not make; name another "
                        + "database or schema (?options=-csearch_path%3DNAME in the URI)")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                if !migration.sql.isEmpty { try connection.execute(migration.sql) }
                try connection.execute(
                    "INSERT INTO \(PostgresSchema.ledger) (identifier) VALUES ($1)", [migration.identifier])
            }
        }
    }

    func initialize() async throws -> DatabaseHealth {
        try await prepareForWriting()
        return try await check()
    }

    func check() async throws -> DatabaseHealth {
        try withConnection { state in
            let connection = state.connection
            return try connection.transaction(isolation: "REPEATABLE READ") {
                guard try exists(PostgresSchema.ledger, connection) else {
                    throw IncidentError.notFound(
                        "\(name ?? "the database") holds no incident store; create one with `incident db init --db URI`"
                    )
                }
                let applied = try appliedMigrations(connection) ?? []
                let missing = try PostgresSchema.tables.filter { try !exists($0, connection) }
                func count(_ table: String) throws -> Int {
                    guard !missing.contains(table) else { return 0 }
                    return Int(try connection.execute("SELECT count(*) FROM \(table)").first?[0] ?? "") ?? 0
                }
                return DatabaseHealth(
                    path: name ?? "", schema: applied, incidents: try count("incident"),
                    actionItems: try count("action_item"), timelineEvents: try count("timeline_event"),
                    problems: missing.isEmpty
                        ? try PostgresSession(connection).unreadableRows()
                        : missing.map { "the table \($0) is missing" })
            }
        }
    }

    /// Refused: a PostgreSQL server is backed up with its own tools.
    func backup(to destination: String) async throws -> DatabaseHealth {
        throw IncidentError.invalidInput(
            "db backup copies SQLite files; back a PostgreSQL store up with pg_dump (pg_dump -Fc -f FILE "
                + "DATABASE), or copy it to an SQLite file with `incident export` and `incident import`")
    }

    /// The migrations applied, in the order this version knows them; nil without the table that lists them.
    /// One it does not know means a newer `incident` wrote the schema, which is refused (exit 74).
    private func appliedMigrations(_ connection: PostgresConnection) throws -> [String]? {
        let rows: [[String?]]
        do {
            rows = try connection.execute("SELECT identifier FROM \(PostgresSchema.ledger)")
        } catch {
            guard error.sqlstate == "42P01" else { throw error }
            return nil  // undefined_table: no store here yet
        }
        let applied = Set(rows.compactMap { $0[0] })
        let known = PostgresSchema.migrations.map(\.identifier)
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw IncidentError.database(
                "\(name ?? "the database") was written by a newer version of incident (schema \(unknown.sorted().joined(separator: ", "))); "
                    + "upgrade incident to use it. The database was left untouched")
        }
        return known.filter(applied.contains)
    }

    /// Whether a table or view of this name is on the connection's search path.
    private func exists(_ table: String, _ connection: PostgresConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass($1) IS NOT NULL", [table]).first?.first == "t"
    }

    /// Runs `body`, turning a ``PostgresError`` or an unreadable stored value into the ``IncidentError`` of its
    /// exit status.
    private func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            throw Self.translated(error)
        } catch let error as UnreadableValue {
            throw error.error(in: name ?? "the database")
        }
    }

    private static func translated(_ error: PostgresError) -> IncidentError {
        switch error.kind {
        case .invalidAddress:
            .invalidInput(
                "the PostgreSQL address in --db (or INCIDENT_DB) is not valid: \(error.message); write it as "
                    + "postgres://USER@HOST:PORT/DATABASE?PARAMETER=VALUE, with '=' and '&' in a value written %3D "
                    + "and %26")
        case .unavailable:
            .unavailable(
                "cannot reach PostgreSQL: \(error.message); check that the server runs, and the host and port "
                    + "in --db (or PGHOST and PGPORT)")
        case .refused:
            .refused(
                "PostgreSQL refused the connection: \(error.message); check the user and the password "
                    + "(PGPASSWORD or ~/.pgpass) and the server's pg_hba.conf")
        case .missingDatabase:
            .database("\(error.message); create it (createdb NAME) or name another database in --db")
        case .retryable, .constraint, .other:
            .database("PostgreSQL: \(error.message)")
        }
    }
}
