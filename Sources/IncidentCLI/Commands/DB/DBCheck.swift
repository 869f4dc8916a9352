import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct DBCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check the database's integrity and print its schema version.",
            discussion: """
                Exits 74 when the store is damaged (SQLite's integrity check; a PostgreSQL store missing a table) \
                or holds a value incident cannot read, which only a change made outside incident stores (text in \
                a time column, a blob where text belongs): each such row is named by its table and id. Restore \
                the store from a backup then, or correct the rows named. --db also takes a postgres:// URI.
                """)

        @Flag(help: "Print the findings as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let health = try await database.maintenance().check()
            try Self.show(health, json: json)
            if !health.isHealthy {
                throw IncidentError.database(
                    "\(health.path ?? database.path) is damaged (\(health.problems.count) problem(s)); restore it "
                        + "from a backup")
            }
        }

        /// Prints what a store holds, as `db check` and `db init` show it.
        static func show(_ health: DatabaseHealth, json: Bool) throws {
            if json {
                try Output.json(health)
                return
            }
            print("database:  \(health.path ?? "in memory")")
            print("schema:    \(health.schema.count) migration(s), latest \"\(health.schema.last ?? "none")\"")
            print(
                "contents:  \(health.incidents) incidents, \(health.timelineEvents) timeline events, "
                    + "\(health.actionItems) action items")
            print("integrity: " + (health.isHealthy ? "ok" : "DAMAGED"))
            for problem in health.problems { print("  \(problem)") }
        }
    }
}
