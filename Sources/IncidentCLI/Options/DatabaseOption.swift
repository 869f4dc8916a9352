import ArgumentParser
import IncidentKit

/// Every record a store keeps: incidents, decisions, deploys, chaos experiments.
typealias Store = any IncidentRepository & DecisionRepository & DeployRepository & ChaosRepository

/// `--db`: which database file a command uses, and how it is opened.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database file, or a PostgreSQL database as a postgres:// URI (default: $INCIDENT_DB, else "
                + "~/.local/share/incident/incidents.db).",
            valueName: "path"))
    var db: String?

    var path: String { IncidentStore.location(explicit: db) }

    func validate() throws {
        // An unset shell variable (`--db "$DB"`) must not fall back to the default history.
        if db?.isEmpty == true { throw ValidationError("--db is empty; give the database file's path") }
    }

    /// Runs `body` on the store for a command that writes. A missing file is created by the first write
    /// that commits, so that a command refused or interrupted before then leaves no empty database behind.
    /// With `create` false a missing file is not created: `body` works on an empty store in memory (dry
    /// runs).
    func writing<T>(
        create: Bool = true, _ body: (Store) async throws -> T
    ) async throws -> T {
        try await body(IncidentStore.connect(to: path, ifMissing: create ? .create : .writeInMemory))
    }

    /// The store for a command that only reads: a missing file reads as an empty history.
    func reading() async throws -> Store {
        try await IncidentStore.connect(to: path, ifMissing: .readEmpty)
    }

    /// The store for a `db` command. A missing SQLite file is created with `create`, else refused (exit 66).
    func maintenance(create: Bool = false) async throws -> any StoreMaintenance {
        try await IncidentStore.connect(to: path, ifMissing: create ? .create : .fail)
    }
}
