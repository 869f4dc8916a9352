import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DecisionSupersede: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "supersede",
            abstract: "Mark a decision as replaced by a newer one.",
            discussion: """
                The old record stays, marked superseded by the new one, which `decision add … -q` made.

                Example:
                  incident decision supersede 2 --by 5
                """)

        @Argument(help: "The decision replaced.")
        var id: Int64

        @Option(help: ArgumentHelp("The decision that replaces it.", valueName: "id"))
        var by: Int64

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var write: WriteOptions

        func run() async throws {
            let time = try write.time(at)
            try IncidentRules.requireNotFuture(time, "superseded", now: write.now)
            _ = try await write.database.writing { store in try await store.supersede(id, by: by, at: time) }
            print("decision #\(id) superseded by #\(by)")
        }
    }
}
