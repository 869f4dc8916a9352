import ArgumentParser
import IncidentKit
import SLOKit

extension IncidentCommand {
    struct SLORulesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Write the Prometheus recording rules and burn-rate alerts of OpenSLO files.",
            discussion: """
                For each SLO: its error ratio (bad events / all events) over every window the alerts read, and \
                per objective a page, ALERTNAMEFast (14.4× the error budget over 1h and 5m, or 6× over 6h and \
                30m, for 2m), and a ticket, ALERTNAMESlow (3× over 1d and 2h, or 1× over 3d and 6h, for 15m), \
                after the SRE workbook. --profile lab scales every window and for: by 1/60, never under 4 s. \
                ALERTNAME is the annotation incident/alert-name, else the SLO name in CamelCase + BudgetBurn.

                Examples:
                  incident slo rules ops/slo/*.yaml > rules.yml
                  promtool check rules rules.yml
                  incident slo rules ops/slo/*.yaml --profile lab \\
                    --output ops/prometheus/rules/lab/slo.yml
                """)

        @Argument(help: ArgumentHelp("OpenSLO v1 files, one SLO each.", valueName: "file"))
        var files: [String]

        @Option(help: "production (the workbook's windows) or lab (× 1/60, never under 4 s).")
        var profile = ProfileArgument.production

        @Option(
            help: ArgumentHelp(
                "The file to write (default: standard output); replaced if it exists.", valueName: "file"))
        var output: String?

        @Option(
            help: ArgumentHelp(
                "The folder (a path or URL) each runbook_url points into: FOLDER/ALERTNAME.md.", valueName: "path"))
        var runbookBase = "docs/runbooks/"

        @Flag(help: "Write the rule file as JSON, without comments (Prometheus reads it as YAML too).")
        var json = false

        func run() async throws {
            let slos = try SLOOptions.read(files)
            var command = "incident slo rules " + files.joined(separator: " ")
            if profile != .production { command += " --profile \(profile.rawValue)" }
            let rules = SLORules(
                slos: slos, profile: profile.profile,
                runbookBase: runbookBase.isEmpty || runbookBase.hasSuffix("/") ? runbookBase : runbookBase + "/",
                command: command)
            let text = json ? rules.json : rules.text
            guard let output else { return print(text, terminator: "") }
            try OutputFile.write(text, to: output, replacing: true)
        }
    }
}
