import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Detect: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "detect",
            abstract: "Record when and how a failure was noticed.",
            discussion: """
                --via says who or what noticed it first: alert, probe, customer, manual, pipeline (a CI run), other, \
                or alert:NAME for a named alert rule. For injected incidents this time gives the exact time to \
                detect.

                Example: incident detect 12 --via alert:HighErrorRate --at -3m
                """)

        @Argument(help: "The incident id.")
        var id: Int64

        @Option(
            help: ArgumentHelp(
                "How it was noticed: alert, probe, customer, manual, pipeline, other or alert:NAME.",
                valueName: "method"))
        var via: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.detect(id, at: time, via: via, by: author, now: now)
        }
    }
}
