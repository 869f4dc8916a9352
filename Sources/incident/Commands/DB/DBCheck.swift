import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct DBCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check the database's integrity and print its schema version.",
            discussion: "Exits 74 when SQLite finds the file damaged; restore it from a backup then.")

        @Flag(help: "Print the findings as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let store = try database.existing()
            let health = try await store.check()
            if json {
                try Output.json(health)
            } else {
                print("database:  \(database.path)")
                print("schema:    \(health.schema.count) migration(s), latest \"\(health.schema.last ?? "none")\"")
                print(
                    "contents:  \(health.incidents) incidents, \(health.timelineEvents) timeline events, "
                        + "\(health.actionItems) action items")
                print("integrity: " + (health.isHealthy ? "ok" : "DAMAGED"))
                for problem in health.problems { print("  \(problem)") }
            }
            if !health.isHealthy {
                throw IncidentError.database(
                    "\(database.path) is damaged (\(health.problems.count) problem(s)); restore it from a backup")
            }
        }
    }
}
