import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Cancel: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Mark an incident as a false alarm: it stays on record but never counts in metrics.",
            discussion: "Example: incident cancel 12 --reason \"alert fired on a stale scrape\"")

        @Argument(help: "The incident id.")
        var id: Int64

        @Option(help: ArgumentHelp("Why it was not a real failure.", valueName: "text"))
        var reason: String

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.cancel(id, reason: reason, at: time, by: author, now: now)
        }
    }
}
