import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Note: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "note",
            abstract: "Add a note to an incident's timeline.",
            discussion: "Example: incident note 12 \"rolled back to v1.4.2\" --at 10:51")

        @Argument(help: "The incident id.")
        var id: Int64

        @Argument(help: "What happened or was tried.")
        var text: String

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.note(id, text, at: time, by: author, now: now)
        }
    }
}
