import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open",
            abstract: "Open an incident when a failure starts or is injected.",
            discussion: """
                Give --at the moment the failure began, not when you noticed it: the gap between the two is the time
                to detect. For a failure injected on purpose, --fault names it (its type first, then parameters,
                like "latency ms=800") and makes the incident kind injected.

                Examples:
                  incident open "Checkout returns 502" --severity sev2 --at 10:42
                  id=$(incident open "Game day: kill the db" --fault dependency_down -q)
                """)

        @Argument(help: "What is failing, as users see it.")
        var title: String

        @Option(help: ArgumentHelp("The service that fails.", valueName: "name"))
        var service = "app"

        @Option(help: "How bad it is, sev1 (worst) to sev4.")
        var severity = Severity.sev3

        @Option(help: "injected (caused on purpose) or real (default: injected with --fault, else real).")
        var kind: IncidentKind?

        @Option(
            help: ArgumentHelp(
                "The injected fault: its type, then parameters, e.g. \"error status=503\".",
                valueName: "fault"))
        var fault: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @Flag(help: "Print the new incident as JSON.")
        var json = false

        @Flag(name: .shortAndLong, help: "Print only the new id, for scripts.")
        var quiet = false

        @OptionGroup var options: WriteOptions

        func validate() throws {
            if json && quiet { throw ValidationError("--json and --quiet cannot be used together; choose one") }
            if kind == .real && fault != nil {
                throw ValidationError("--fault describes an injected failure; drop --kind real or --fault")
            }
        }

        func run() async throws {
            let draft = IncidentKit.Incident(
                title: title, service: service, severity: severity, kind: kind ?? (fault == nil ? .real : .injected),
                fault: fault, startedAt: try options.time(at))
            let author = options.author.name
            let detail = try await options.database.writing { store in
                try await store.open(draft, by: author, now: options.now)
            }
            if quiet {
                print(detail.incident.id!)
            } else if json {
                try Output.json(detail)
            } else {
                Output.confirm(detail)
            }
        }
    }
}
