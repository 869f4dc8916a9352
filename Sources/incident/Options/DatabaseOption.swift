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

    func validate() throws {
        // An unset shell variable (`--db "$DB"`) must not fall back to the default history.
        if db?.isEmpty == true { throw ValidationError("--db is empty; give the database file's path") }
    }

    /// Runs `body` on the store for a command that writes. The file is created on first use, and removed
    /// again if `body` then fails while it holds nothing, so that a refused first command leaves no empty
    /// database behind. With `create` false a missing file is not created: `body` works on an empty store
    /// in memory (dry runs). If another process removed a file it had just made while `body` waited to
    /// write, `body` runs again on the path as it is now.
    func writing<T>(
        create: Bool = true, _ body: (any IncidentRepository & DecisionRepository) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let store: IncidentStore
            do {
                store = try IncidentStore.open(path: path, ifMissing: create ? .create : .writeInMemory)
            } catch is IncidentStore.FileReplaced where attempt < 3 {
                continue
            }
            do {
                return try await body(store)
            } catch is IncidentStore.FileReplaced where attempt < 3 {
                continue
            } catch is IncidentStore.FileReplaced {
                throw IncidentError.database(
                    "\(path) was removed and made again by other processes while this command waited; try again")
            } catch {
                store.discardIfNew()
                throw error
            }
        }
    }

    /// The store for a command that only reads: a missing file reads as an empty history.
    func reading() throws -> any IncidentRepository & DecisionRepository {
        try IncidentStore.open(path: path, ifMissing: .readEmpty)
    }
}
