import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Edit: IncidentStep {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Correct or complete an incident's fields; each change is kept on its timeline.",
            discussion: """
                Times (--started-at, --detected-at, …) accept \(TimeInput.help), and are checked against each \
                other as when first recorded. Narrative fields (summary, impact, trigger, lessons) feed the \
                postmortem.

                Examples:
                  incident edit 12 --severity sev2 --detected-at 10:44
                  incident edit 12 --summary "$(cat summary.md)" --clear mitigated-at
                  incident edit 12 --caused-by 7           # deploy #7 (incident deploy list)
                """)

        @Argument(help: "The incident id.")
        var id: Int64

        @Option var title: String?
        @Option var service: String?
        @Option(help: "sev1 (worst) to sev4.") var severity: String?
        @Option(help: "injected or real.") var kind: String?
        @Option(help: "The injected fault: type, then parameters (or its JSON body, or \"other: TEXT\").") var fault:
            String?
        @Option(name: .customLong("started-at"), parsing: .unconditional) var startedAt: String?
        @Option(name: .customLong("detected-at"), parsing: .unconditional) var detectedAt: String?
        @Option(name: .customLong("acknowledged-at"), parsing: .unconditional) var acknowledgedAt: String?
        @Option(name: .customLong("mitigated-at"), parsing: .unconditional) var mitigatedAt: String?
        @Option(name: .customLong("resolved-at"), parsing: .unconditional) var resolvedAt: String?
        @Option(help: "alert, probe, customer, manual, pipeline, other or alert:NAME.") var detection: String?
        @Option(help: "The root cause.") var cause: String?
        @Option(help: "The cause category, one lower-case word.") var category: String?
        @Option(help: "What ended it.") var fix: String?
        @Option(help: "What happened, in a few sentences.") var summary: String?
        @Option(help: "Who and what was affected, and how much.") var impact: String?
        @Option(help: "What set it off.") var trigger: String?
        @Option(name: .customLong("caused-by"), help: ArgumentHelp("The deploy that caused it.", valueName: "deploy"))
        var causedBy: String?
        @Option(help: "What went well, what went wrong, where we got lucky.") var lessons: String?

        @Option(help: ArgumentHelp("Unset an optional field (repeat for several).", valueName: "field"))
        var clear: [IncidentField] = []

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "When the change is recorded on the timeline, for back-filling (default: now).", valueName: "time"))
        var at: String?

        @OptionGroup var options: WriteOptions
        @OptionGroup var output: StepOutput

        /// The fields given on the command line, in a stable order; nil values clear.
        var changes: [(field: IncidentField, value: String?)] {
            let given: [IncidentField: String?] = [
                .title: title, .service: service, .severity: severity, .kind: kind, .fault: fault,
                .startedAt: startedAt, .detectedAt: detectedAt, .acknowledgedAt: acknowledgedAt,
                .mitigatedAt: mitigatedAt, .resolvedAt: resolvedAt, .detection: detection, .cause: cause,
                .category: category, .fix: fix, .summary: summary, .impact: impact, .trigger: trigger,
                .lessons: lessons, .causedBy: causedBy,
            ]
            let set = IncidentField.allCases.compactMap { field in given[field]!.map { (field, Optional($0)) } }
            return set + clear.map { ($0, nil) }
        }

        func validate() throws {
            let both = clear.filter { field in changes.contains { $0.field == field && $0.value != nil } }
            if let field = both.first {
                throw ValidationError(
                    "--\(field.rawValue) and --clear \(field.rawValue) contradict each other; keep one")
            }
        }

        func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
            -> IncidentDetail
        {
            try await store.edit(id, changes, at: time, by: author, now: now)
        }
    }
}
