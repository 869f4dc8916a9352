import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Ack: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "ack",
            abstract: "Record that a responder has taken the incident on.",
            discussion: "Example: incident ack 12 --by alice --at 10:47")

        @Argument(help: "The incident id.")
        var id: Int64

        @Option(help: ArgumentHelp("Who took it on (default: the author).", valueName: "name"))
        var by: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.acknowledge(id, at: time, responder: by, by: author, now: now)
        }
    }
}
