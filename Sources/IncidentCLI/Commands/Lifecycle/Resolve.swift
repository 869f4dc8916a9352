import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Resolve: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Close an incident with its root cause and the changes that prevent it from recurring.",
            discussion: """
                Each --prevent becomes a "prevent" action item; add other kinds with `incident action add`.

                Example:
                  incident resolve 12 --category capacity \\
                    --cause "connection pool too small for the new batch job" \\
                    --fix "raised the pool to 50" \\
                    --prevent "load-test batch jobs before release"
                """)

        @Argument(help: "The incident id.")
        var id: Int64

        @Option(help: ArgumentHelp("The root cause: why it failed.", valueName: "text"))
        var cause: String

        @Option(
            help: ArgumentHelp(
                "The cause as one lower-case word: deploy, config, capacity, dependency, code…",
                valueName: "word"))
        var category: String?

        @Option(help: ArgumentHelp("What was done to end it.", valueName: "text"))
        var fix: String?

        @Option(help: ArgumentHelp("A change that prevents recurrence (repeat for several).", valueName: "text"))
        var prevent: [String] = []

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.resolve(
                id, at: time, cause: cause, category: category, fix: fix, prevent: prevent, by: author,
                now: now)
        }
    }
}
