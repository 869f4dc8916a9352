import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DBBackup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Copy the database to a new file, safely, even while others write to it.",
            discussion: """
                Uses SQLite's online backup; a PostgreSQL store is backed up with pg_dump instead (exit 64).
                Example: incident db backup ~/incidents-$(date +%F).db
                """)

        @Argument(help: "The new file to write; it must not exist.")
        var destination: String

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let store = try await database.maintenance()
            let health = try await store.backup(to: destination)
            print("backed up \(health.incidents) incidents from \(database.path) to \(destination)")
        }
    }
}
