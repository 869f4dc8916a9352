import ArgumentParser
import IncidentKit
import SLOStatus

extension IncidentCommand {
    struct SLOStatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Measure each SLO on Prometheus: its SLI, error budget left, and what each incident cost.",
            discussion: """
                For each objective of each SLO in --slo-dir: the SLI (good events / all events) over the SLO's \
                window, the error budget (1 − target) and how much of it is spent and left, and for each incident \
                of the SLO's service that started in the window the SLI from its start to its recovery (mitigated, \
                else resolved, else now) and the share of the window's budget it spent, injected and real apart.

                Every figure comes from Prometheus: without a reachable Prometheus it says so and exits 69, and \
                a figure Prometheus has no data for shows as "no data". A query Prometheus refuses exits 65 with \
                Prometheus's reason and the SLO file.

                Examples:
                  incident slo status --prometheus http://127.0.0.1:9090
                  incident slo status --profile lab --markdown > slo.md
                """)

        @OptionGroup var slo: SLOOptions

        @Flag(help: "Print every figure as JSON (shares as fractions, durations in seconds).")
        var json = false

        @Flag(help: "Print GitHub-flavoured markdown.")
        var markdown = false

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if markdown && json { throw ValidationError("--markdown and --json cannot be used together; choose one") }
        }

        func run() async throws {
            let now = Timestamp.now
            let slos = try slo.slos()
            let measurements = try await slo.measure(slos, store: try database.reading(), now: now)
            if json { return try Output.json(measurements, snakeCase: true) }
            let section = SLOMeasurement.section(
                measurements, prometheus: PrometheusClient.url(explicit: slo.prometheus), at: now)
            if markdown {
                print(Markdown.document([section]), terminator: "")
            } else {
                Report.printText([section])
            }
        }
    }
}
