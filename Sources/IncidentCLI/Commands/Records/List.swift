import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List incidents, newest first.",
            discussion: """
                Statuses: open (nobody noticed yet), detected, acknowledged, mitigated, resolved, cancelled. \
                --status may be repeated; --unresolved is what is still burning or not yet closed: open, \
                detected, acknowledged and mitigated.

                Examples:
                  incident list --unresolved
                  incident list --status detected --status acknowledged --since -7d
                """)

        @Option(help: "Only incidents in this status (repeat for several).")
        var status: [IncidentStatus] = []

        @Flag(help: "Only incidents not resolved or cancelled yet (open, detected, acknowledged, mitigated).")
        var unresolved = false

        @OptionGroup var filter: FilterOptions

        @Option(help: "Show at most this many.")
        var limit: Int?

        @Flag(help: "Print the incidents as a JSON array, each with its status and durations.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if unresolved && !status.isEmpty {
                throw ValidationError("--unresolved and --status both choose statuses; keep one")
            }
        }

        func run() async throws {
            let now = Timestamp.now
            let store = try await database.reading()
            let selection = IncidentFilter(
                statuses: unresolved ? IncidentStatus.unresolved : status, service: filter.service,
                severity: filter.severity, kind: filter.kind, since: try filter.since(now: now), limit: limit)
            if json {
                return try await Output.jsonArray { print in
                    try await store.list(selection) { try print(IncidentSummary($0)) }
                }
            }
            let incidents = try await store.list(selection)
            Output.table(
                header: ["id", "status", "sev", "service", "age", "ttd", "ttr", "title"],
                rows: incidents.map { incident in
                    [
                        String(incident.id!), incident.status.rawValue, incident.severity.rawValue, incident.service,
                        DurationText.human(incident.startedAt.seconds(until: now)),
                        DurationText.human(incident.durations.ttd),
                        DurationText.human(incident.durations.ttr), Output.printable(incident.title),
                    ]
                },
                color: { column, text in column == 1 ? IncidentStatus(rawValue: text).map(Output.style(of:)) : nil })
        }
    }
}
