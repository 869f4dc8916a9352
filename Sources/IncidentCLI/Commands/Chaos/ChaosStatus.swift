import ArgumentParser
import GameDay
import IncidentKit
import SLOStatus

extension IncidentCommand {
    struct ChaosStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "What a pool's experiments did: run, skipped and why, halted, detected, and their cost.",
            discussion: """
                For the pool in POOL: its draws since --since (default: the longest window of its guarded SLOs), \
                how many ran, completed or were halted (with each reason), how many the guard skipped and why, \
                the share the alerts detected with median TTD and TTR, and, measured on Prometheus, what the chaos \
                spent of each guarded SLO against the pool's cap, with the budget left. Without Prometheus the \
                cost is reported as not measured; the rest is read from the store.

                Examples:
                  incident chaos status examples/chaos/pool.yaml --profile lab
                  incident chaos status examples/chaos/pool.yaml --since 2026-12-01 --json
                """)

        @Argument(help: "The pool file, YAML or JSON.")
        var pool: String

        @Option(help: ArgumentHelp("Only draws at or after this time: \(TimeInput.help).", valueName: "time"))
        var since: String?

        @Flag(help: "Print every figure as JSON (shares as fractions, durations in seconds).")
        var json = false

        @OptionGroup(title: "The guard's SLOs") var slo: SLOOptions
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let pool = try ChaosPool.read(file: self.pool)
            let now = Timestamp.now
            let store = try await database.reading()
            let meter = try slo.meter(timeout: .seconds(5))
            let guardian = try ChaosGuard(pool: pool, slos: try slo.slos(), meter: meter, store: store)
            let window = guardian.slos.map { meter.profile.seconds($0.window) }.max() ?? 0
            let from = try since.map { try TimeInput.parse($0, now: now) } ?? now.adding(seconds: -Double(window))
            let experiments = try await store.chaosExperiments(pool: pool.name, service: pool.service, since: from)
            var summary = try await ChaosSummary.of(experiments, pool: pool, since: from, store: store)
            do {
                summary.budgets = try await guardian.budgets(now: now)
            } catch {
                summary.budgetProblem = "\(error)"
            }
            if json { return try Output.json(summary, snakeCase: true) }
            for line in summary.lines { print(line) }
        }
    }
}
