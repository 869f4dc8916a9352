import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DBCopy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy every record to another store: an SQLite file to PostgreSQL, or back.",
            discussion: """
                Incidents with their timelines, action items and sources, alerts and decisions are copied with \
                their ids, from one consistent read of --db into one transaction of --to, which must be a new \
                file or a database without records (exit 65 otherwise); `incident export` of both is then \
                identical. Prints what the copy holds, as `db check` does.
                Example: incident db copy --to postgres://incident@db.example/incidents
                """)

        @Option(help: ArgumentHelp("The store to copy to: a new SQLite file or a postgres:// URI.", valueName: "store"))
        var to: String

        @Flag(help: "Print the copy's check as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if to.isEmpty { throw ValidationError("--to is empty; give a new file or a postgres:// URI") }
        }

        func run() async throws {
            let source = try await IncidentStore.connect(to: database.path, ifMissing: .fail)
            let destination = try await IncidentStore.connect(to: to, ifMissing: .create)
            try DBCheck.show(try await source.copy(to: destination), json: json)
        }
    }
}
