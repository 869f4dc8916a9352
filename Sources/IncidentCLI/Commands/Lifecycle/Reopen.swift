import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Reopen: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "reopen",
            abstract: "Reopen a resolved or cancelled incident.",
            discussion: """
                A resolved incident loses its resolved time (the old one stays on the timeline); a cancelled one \
                counts in metrics again.
                """)

        @Argument(help: "The incident id.")
        var id: Int64

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.reopen(id, at: time, by: author, now: now)
        }
    }
}
