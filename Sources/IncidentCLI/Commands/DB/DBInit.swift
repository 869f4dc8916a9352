import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DBInit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the database, or migrate it to this version, and print its schema version.",
            discussion: """
                The first command that writes does this too; run it to set a store up ahead of time, or to \
                migrate a shared one once. --db takes an SQLite file or a PostgreSQL URI \
                (postgres://USER@HOST:PORT/DATABASE, with PGPASSWORD, ~/.pgpass and the other PG variables as \
                psql reads them). A schema written by a newer incident is refused untouched (exit 74).
                Example: incident db init --db postgres://incident@db.example:5432/incidents
                """)

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let health = try await database.maintenance(create: true).initialize()
            try DBCheck.show(health, json: json)
        }
    }
}
