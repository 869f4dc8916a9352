import Foundation
import PostgresSupport

/// A store on a PostgreSQL server, for a team that keeps one record. This version creates, migrates and
/// checks its schema (``StoreMaintenance``); the other commands keep their record in SQLite until it holds
/// incidents too.
public final class PostgresStore: StoreMaintenance {
    private let connection: PostgresConnection

    /// Connects to the server and database `address` names (a `postgres://` URI, read by libpq with the
    /// `PG…` variables, `~/.pgpass` and `PGSERVICE`). Errors say which of unreachable (exit 69), refused
    /// credentials (77) and any other database error (74) it met; Ctrl-C ends the wait at once.
    public init(address: String) async throws {
        do {
            connection = try await PostgresConnection.connect(address)
        } catch let error as PostgresError {
            throw Self.translated(error)
        }
    }

    /// Where the store is, without any password.
    public var name: String { connection.name }

    public func initialize() async throws -> DatabaseHealth {
        try Self.translating {
            try connection.transaction(isolation: "READ COMMITTED") {
                // One migrating process at a time; the others wait, then find the schema current.
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('incident schema'))")
                try connection.execute(
                    "CREATE TABLE IF NOT EXISTS \(PostgresSchema.ledger) (identifier TEXT PRIMARY KEY, "
                        + "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                let applied = try appliedMigrations()
                if applied.isEmpty, try exists("incident") {
                    throw IncidentError.database(
                        "\(name) holds an incident table that incident did not make; name another database or schema "
                            + "(?options=-csearch_path%3DNAME in the URI)")
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                    if !migration.sql.isEmpty { try connection.execute(migration.sql) }
                    try connection.execute(
                        "INSERT INTO \(PostgresSchema.ledger) (identifier) VALUES ($1)", [migration.identifier])
                }
            }
        }
        return try await check()
    }

    public func check() async throws -> DatabaseHealth {
        try Self.translating {
            try connection.transaction(isolation: "REPEATABLE READ") {
                guard try exists(PostgresSchema.ledger) else {
                    throw IncidentError.notFound(
                        "\(name) holds no incident store; create one with `incident db init --db URI`")
                }
                let applied = try appliedMigrations()
                let missing = try PostgresSchema.tables.filter { try !exists($0) }
                func count(_ table: String) throws -> Int {
                    guard !missing.contains(table) else { return 0 }
                    return Int(try connection.execute("SELECT count(*) FROM \(table)").first?[0] ?? "") ?? 0
                }
                return DatabaseHealth(
                    path: name, schema: applied, incidents: try count("incident"),
                    actionItems: try count("action_item"), timelineEvents: try count("timeline_event"),
                    problems: missing.map { "the table \($0) is missing" })
            }
        }
    }

    /// Refused: a PostgreSQL server is backed up with its own tools.
    public func backup(to destination: String) async throws -> DatabaseHealth {
        throw IncidentError.invalidInput(
            "db backup copies SQLite files; back a PostgreSQL store up with pg_dump (pg_dump -Fc -f FILE "
                + "DATABASE), or copy it to an SQLite file with `incident export` and `incident import`")
    }

    /// The migrations applied, in the order this version knows them; one it does not know means a newer
    /// `incident` wrote the schema, which is refused (exit 74).
    private func appliedMigrations() throws -> [String] {
        let rows = try connection.execute("SELECT identifier FROM \(PostgresSchema.ledger)")
        let applied = Set(rows.compactMap { $0[0] })
        let known = PostgresSchema.migrations.map(\.identifier)
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw IncidentError.database(
                "\(name) was written by a newer version of incident (schema \(unknown.sorted().joined(separator: ", "))); "
                    + "upgrade incident to use it. The database was left untouched")
        }
        return known.filter(applied.contains)
    }

    /// Whether a table or view of this name is on the connection's search path.
    private func exists(_ table: String) throws -> Bool {
        try connection.execute("SELECT to_regclass($1) IS NOT NULL", [table]).first?.first == "t"
    }

    /// Runs `body`, turning a ``PostgresError`` into the ``IncidentError`` of its exit status.
    private static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            throw translated(error)
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
