import ArgumentParser
import Foundation
import IncidentKit
import SLOStatus

extension IncidentCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "How fast failures are detected and recovered, whether it improves, and what recurs.",
            discussion: """
                Shows TTD, TTA, TTR, TTC and MTBF (n, mean, median, p90, max) for injected and real incidents, \
                a trend per period with the change against the previous one, breakdowns by service, severity, \
                fault type, detection and cause category, the detection scorecard of injected failures, and \
                recurring causes. Only resolved incidents are averaged; cancelled ones never count. Periods are \
                cut in the local time zone (TZ). --service is a glob; for CI pipelines (ci/…) TTR is time to green.

                --html writes one self-contained page (no script, font or network request) with the tables and \
                SVG charts of TTD and TTR per period (median and p90) and of the detection rate per fault type.

                With --prometheus, a section on the SLOs of --slo-dir is added: as `incident slo status` shows \
                them, measured now over each SLO's window (only those whose service matches --service).

                Examples:
                  incident report --since -90d
                  incident report --period week --kind injected --markdown > gameday.md
                  incident report --html --output report.html
                  incident report --service 'ci/*'
                  incident report --prometheus http://127.0.0.1:9090 --markdown
                """)

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Only incidents that started before this time.",
                valueName: "time"))
        var until: String?

        @Option(help: "The length of a trend row: week, month or quarter.")
        var period = ReportPeriod.month

        @OptionGroup var filter: FilterOptions

        @Flag(help: "Print GitHub-flavoured markdown with a Mermaid chart.")
        var markdown = false

        @Flag(help: "Print every figure as JSON, durations in seconds.")
        var json = false

        @Flag(help: "Print one self-contained HTML page with SVG charts.")
        var html = false

        @Option(
            help: ArgumentHelp(
                "Write the markdown, JSON or HTML to this file instead of standard output (replaced).",
                valueName: "file"))
        var output: String?

        @OptionGroup(title: "SLOs (added when --prometheus is given)") var slo: SLOOptions

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if [markdown, json, html].filter({ $0 }).count > 1 {
                throw ValidationError("--markdown, --json and --html cannot be used together; choose one")
            }
            if output != nil && !(markdown || json || html) {
                throw ValidationError("--output writes --markdown, --json or --html; give one of them")
            }
        }

        func run() async throws {
            let now = Timestamp.now
            let request = ReportRequest(
                since: try filter.since(now: now), until: try until.map { try TimeInput.parse($0, now: now) },
                period: period, service: filter.service, kind: filter.kind, severity: filter.severity, now: now)
            try TimeInput.requireWindow(since: request.since, until: request.until)
            let store = try await database.reading()
            let report = try await store.report(request)
            var sections = report.sections
            var measurements: [SLOMeasurement]?
            if let prometheus = slo.prometheus {
                let slos = try slo.slos().filter { slo in
                    filter.service.map { fnmatch($0.lowercased(), slo.service, 0) == 0 } ?? true
                }
                let measured = try await slo.measure(slos, store: store, now: now)
                // Before the definitions, which stay last.
                sections.insert(
                    SLOMeasurement.section(measured, prometheus: prometheus, at: now), at: sections.count - 1)
                measurements = measured
            }
            let text =
                json
                ? try Output.jsonText(WithSLOs(report: report, slos: measurements), snakeCase: true) + "\n"
                : markdown ? Markdown.document(sections) : html ? report.html(sections) : nil
            if let text, let output {
                try OutputFile.write(text, to: output, replacing: true)
            } else if let text {
                print(text, terminator: "")
            } else {
                Self.printText(sections)
            }
        }

        /// The report's JSON, with `slos` added when they were measured.
        struct WithSLOs: Encodable {
            var report: MetricsReport
            var slos: [SLOMeasurement]?

            enum CodingKeys: CodingKey {
                case slos
            }

            func encode(to encoder: any Encoder) throws {
                try report.encode(to: encoder)
                guard let slos else { return }
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(slos, forKey: .slos)
            }
        }

        /// Aligned tables and a bar chart of median TTR, for a terminal.
        static func printText(_ sections: [ReportSection]) {
            for (index, section) in sections.enumerated() {
                print((index == 0 ? "" : "\n") + Output.colored(section.title, "1"))
                for block in section.blocks {
                    switch block {
                    case .text(let text): print(Output.printable(text))
                    case .table(let header, let rows):
                        Output.table(header: header, rows: rows.map { $0.map { Output.printable($0) } })
                    case .chart(let periods, _, let ttr): printChart(periods: periods, minutes: ttr)
                    case .deployChart: break  // the trend table above holds the same figures
                    }
                }
            }
        }

        /// One bar per period, scaled to the longest, labelled with the median TTR.
        static func printChart(periods: [String], minutes: [Double]) {
            let longest = max(minutes.max() ?? 0, 1)
            print("median TTR per period")
            for (period, value) in zip(periods, minutes) {
                let bar = String(repeating: "█", count: Int((value / longest * 40).rounded()))
                print(
                    "\(period.padding(toLength: max(period.count, 9), withPad: " ", startingAt: 0)) "
                        + "\(bar) \(DurationText.human(value * 60))")
            }
        }
    }
}
