import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Mitigate: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "mitigate",
            abstract: "Record that the impact ended and service is restored.",
            discussion: """
                Mitigation ends the time to recover (TTR), even when the root cause is still unknown: a rollback, \
                a failover, a fault switched off. Resolve the incident once the cause is understood.

                Example: incident mitigate 12 --at -2m
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
            try await store.mitigate(id, at: time, by: author, now: now)
        }
    }
}
