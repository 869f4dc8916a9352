import PostgresSupport

/// Notes in a PostgreSQL database that every replica shares (`APP_DATABASE_URL`), through a bounded
/// ``ConnectionPool``. The service starts whether or not the database answers: until it does, `/readyz`
/// answers 503 and note requests 503, so a load balancer keeps the replica out of rotation.
struct PostgresNotes: NotesBackend {
    private let pool: ConnectionPool

    init(address: String, poolSize: Int, poolTimeout: Duration, metrics: PoolMetrics) {
        pool = ConnectionPool(
            address: address, size: poolSize, timeout: poolTimeout, metrics: metrics, setUp: Self.migrate)
    }

    /// The schema's migrations, in order, each applied once and recorded in `app_migration`; a shipped
    /// migration is never edited.
    static let migrations = [
        (
            "v1 notes",
            "CREATE TABLE note (id BIGSERIAL PRIMARY KEY, text TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
    ]

    /// Applies the migrations not yet applied, one replica at a time (the others wait, then find none left).
    @Sendable static func migrate(_ connection: PostgresConnection) throws {
        try connection.transaction(isolation: "READ COMMITTED") {
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('app schema'))")
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS app_migration (identifier TEXT PRIMARY KEY, "
                    + "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(try connection.execute("SELECT identifier FROM app_migration").compactMap { $0[0] })
            for (identifier, sql) in migrations where !applied.contains(identifier) {
                try connection.execute(sql)
                try connection.execute("INSERT INTO app_migration (identifier) VALUES ($1)", [identifier])
            }
        }
    }

    private static let columns = "id, text, created_at"

    func add(_ note: Note) async throws -> Note {
        try await pool.withConnection { connection in
            try Self.notes(
                connection.query(
                    "INSERT INTO note (text, created_at) VALUES ($1, $2) RETURNING \(Self.columns)",
                    [note.text, note.createdAt]))[0]
        }
    }

    func list(limit: Int) async throws -> [Note] {
        try await pool.withConnection { connection in
            try Self.notes(
                connection.query("SELECT \(Self.columns) FROM note ORDER BY id DESC LIMIT $1", [String(limit)]))
        }
    }

    func note(id: Int64) async throws -> Note? {
        try await pool.withConnection { connection in
            try Self.notes(connection.query("SELECT \(Self.columns) FROM note WHERE id = $1", [String(id)])).first
        }
    }

    /// Readiness: waits at most ``readinessPatience`` for a connection, so that `/readyz` and `/metrics` answer
    /// within a health check's or a scrape's timeout; a pool that stays full makes the replica not ready.
    func ping() async throws {
        try await pool.withConnection(patience: Self.readinessPatience) { connection in
            _ = try connection.execute("SELECT 1")
        }
    }

    static let readinessPatience = Duration.milliseconds(250)

    private static func notes(_ result: PostgresRows) -> [Note] {
        result.rows.map { row in
            guard case .integer(let id) = row[0], case .text(let text) = row[1], case .text(let createdAt) = row[2]
            else { preconditionFailure("note rows are (bigint, text, text) by the schema") }
            return Note(id: id, text: text, createdAt: createdAt)
        }
    }
}
