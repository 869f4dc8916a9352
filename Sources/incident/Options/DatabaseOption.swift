import ArgumentParser
import IncidentKit

/// `--db`: which database file a command uses, and how it is opened.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database file (default: $INCIDENT_DB, else ~/.local/share/incident/incidents.db).",
            valueName: "path"))
    var db: String?

    var path: String { IncidentStore.location(explicit: db) }

    /// Runs `body` on the store for a command that writes. The file is created on first use, and removed
    /// again if `body` then fails, so that a refused first command leaves no empty database behind. With
    /// `create` false a missing file is not created: `body` works on an empty store in memory (dry runs).
    func writing<T>(create: Bool = true, _ body: (any IncidentRepository) async throws -> T) async throws -> T {
        let store = try IncidentStore.open(path: path, ifMissing: create ? .create : .writeInMemory)
        do {
            return try await body(store)
        } catch {
            store.removeCreatedFile()
            throw error
        }
    }

    /// The store for a command that only reads: a missing file reads as an empty history.
    func reading() throws -> any IncidentRepository {
        try IncidentStore.open(path: path, ifMissing: .readEmpty)
    }
}
