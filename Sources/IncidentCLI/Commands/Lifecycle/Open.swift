import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open",
            abstract: "Open an incident when a failure starts or is injected.",
            discussion: """
                Give --at the moment the failure began, not when you noticed it: the gap between the two is the time \
                to detect. For a failure injected on purpose, --fault names it as the app's admin API takes it: its \
                type first, then parameters ("latency ms=800 route=/api/*"), or the JSON body; it is checked \
                against the app's fault catalog and stored in one canonical form. A failure injected by other \
                means (a killed host, a partitioned network) is --other-fault "what was done". Either makes the \
                incident kind injected.

                Examples:
                  incident open "Checkout returns 502" --severity sev2 --at 10:42
                  id=$(incident open "Game day: kill the db" --fault dependency_down -q)
                  incident open "Game day: partition" \\
                    --other-fault "iptables drop between app and db"
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

        @Option(
            help: ArgumentHelp(
                "An injected failure the app's fault catalog does not know, in words (fault type 'other').",
                valueName: "text"))
        var otherFault: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @Option(
            name: .customLong("caused-by"),
            help: ArgumentHelp("The deploy that caused it (`incident deploy list`).", valueName: "deploy"))
        var causedBy: String?

        @OptionGroup var output: NewRecordOutput
        @OptionGroup var options: WriteOptions

        func validate() throws {
            if fault != nil && otherFault != nil {
                throw ValidationError("--fault and --other-fault both name the fault; keep one")
            }
            if kind == .real && (fault != nil || otherFault != nil) {
                throw ValidationError("a fault describes an injected failure; drop --kind real or the fault")
            }
        }

        func run() async throws {
            let named = try otherFault.map(IncidentFault.other) ?? fault
            var draft = IncidentKit.Incident(
                title: title, service: service, severity: severity, kind: kind ?? (named == nil ? .real : .injected),
                fault: named, startedAt: try options.time(at))
            draft.causedBy = try causedBy.map(IncidentField.deployId)
            let author = options.author.name
            let detail = try await options.database.writing { store in
                try await store.open(draft, by: author, now: options.now)
            }
            try output.print(id: detail.incident.id!, detail) { Output.confirm(detail) }
        }
    }
}
