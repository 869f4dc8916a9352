import ArgumentParser
import Conventions
import Foundation
import GameDay
import IncidentKit
import SLOKit
import SLOStatus

extension IncidentCommand {
    struct ChaosRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Draw faults from a pool at random times and run each while the error budget allows.",
            discussion: """
                POOL (YAML or JSON; see examples/chaos/pool.yaml) lists the faults that may be drawn, each with a \
                weight, a hold range and a scope, the schedule (a random gap between experiments, allowed hours \
                and days in a time zone) and the guard. Before each experiment the guard reads the SLOs on \
                Prometheus: every guarded SLO must have more error budget left than min_budget_left, the chaos \
                must have spent less than max_budget_spend of it in the SLO's window, no paging alert may fire and \
                no incident of the service may be open; otherwise the draw is skipped and recorded with the \
                reason. Each experiment is an injected incident, detected by the alerts (`incident serve`), \
                recovered as the prober sees it, resolved with the pool's cause. It is halted at once, its fault \
                cleared, when its burn rate passes stop_burn_rate, when the chaos would pass its cap, when a real \
                incident opens, or when a paging alert fires that is not recorded on the experiment's incident. A \
                guard that cannot measure (Prometheus down) refuses, and halts.

                Every draw is on record: a restarted runner waits the gap after the last experiment and closes \
                one it left running (its fault cleared). Ctrl-C or SIGTERM clears the fault in force, records \
                the experiment as halted and exits 130. --until and --max-experiments bound a run (exit 0). \
                --dry-run prints the next draws and the guard's verdict now, and changes nothing.

                Examples:
                  incident chaos run examples/chaos/pool.yaml --profile lab --dry-run
                  incident chaos run examples/chaos/pool.yaml --profile lab --until 30m --json
                """)

        @Argument(help: "The pool file, YAML or JSON.")
        var pool: String

        @Flag(help: "Print the next draws and the guard's verdict now; change nothing.")
        var dryRun = false

        @Option(
            help: ArgumentHelp(
                "Stop once the next draw would be due after this time: \(TimeInput.help), or a duration from now "
                    + "(30m).", valueName: "time"))
        var until: String?

        @Option(
            help: ArgumentHelp("Stop after this many experiments ran (skipped draws do not count).", valueName: "n"))
        var maxExperiments: Int?

        @Option(help: ArgumentHelp("Seed the draws, to replay them (default: random).", valueName: "n"))
        var seed: UInt64?

        @Flag(help: "Print each event as a JSON object on one line.")
        var json = false

        @OptionGroup(title: "The guard's SLOs") var slo: SLOOptions
        @OptionGroup var replicas: ReplicaOptions
        @OptionGroup var probe: ProbeOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var options: WriteOptions

        func validate() throws {
            if let maxExperiments, maxExperiments < 1 {
                throw ValidationError("--max-experiments must be at least 1")
            }
        }

        /// --until as a time: a duration from now (`30m`), else a time as every --at takes it.
        func untilTime(now: Timestamp) throws -> Timestamp? {
            guard let until else { return nil }
            if let seconds = try? DurationInput.seconds(until, option: "--until", in: 1...(366 * 86_400)) {
                return now.adding(seconds: seconds)
            }
            let time = try TimeInput.parse(until, now: now)
            guard time > now else {
                throw IncidentError.invalidInput("--until \(until) is not in the future; give a later time, or 30m")
            }
            return time
        }

        func run() async throws {
            let pool = try ChaosPool.read(file: self.pool)
            let until = try untilTime(now: options.now)
            let meter = try slo.meter(timeout: .seconds(5))
            let slos = try slo.slos()
            if dryRun {
                return try await preview(pool, slos: slos, meter: meter)
            }
            let probes = try probe.settings(target: target.url)
            let replicaURLs = try replicas.urls()
            let admins = try replicaURLs.isEmpty ? [target.admin()] : replicaURLs.map { try target.admin(at: $0) }
            let keeper = try pool.entries.compactMap(\.step.fault).first { $0.action.type.isOutside }.map {
                try target.admin(for: $0.action.type)
            }
            // A dead target or a refused token fails now, before anything is recorded.
            for admin in admins + [keeper].compactMap({ $0 }) { _ = try await admin.list() }
            let json = json
            let emit: @Sendable (ChaosEvent) -> Void = { event in
                if json {
                    print((try? String(decoding: JSONEncoder.stable().encode(event), as: UTF8.self)) ?? "{}")
                } else {
                    print(event.line)
                }
                _ = Output.flushStandardOutput()
            }
            let author = options.author.name
            let (maxExperiments, seed) = (maxExperiments, seed)
            let tally = try await options.database.writing { store in
                let guardian = try ChaosGuard(pool: pool, slos: slos, meter: meter, store: store)
                return try await StopRequest.running { stop in
                    try await ChaosRunner(
                        pool: pool, guardian: guardian, replicas: admins, keeper: keeper, probes: probes, store: store,
                        author: author, stop: stop, until: until, maxExperiments: maxExperiments, seed: seed, emit: emit
                    ).run()
                }
            }
            if !json {
                print(
                    "\(tally.ran) experiment(s) ran (\(tally.completed) completed, \(tally.halted) halted), "
                        + "\(tally.skipped) skipped; `incident chaos status \(self.pool)` for what they cost")
            }
            if tally.interrupted { throw ExitCode(130) }
        }

        /// The next five draws from now (with --seed, those the run would make) and the guard's verdict now.
        private func preview(_ pool: ChaosPool, slos: [SLO], meter: SLOMeter) async throws {
            let store = try await options.database.reading()
            let guardian = try ChaosGuard(pool: pool, slos: slos, meter: meter, store: store)
            var random = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
            var last = try await store.chaosExperiments(pool: pool.name, service: pool.service, since: nil).last.map {
                $0.endedAt ?? $0.startedAt
            }
            var draws: [DryRunDraw] = []
            var now = Timestamp.now
            for _ in 0..<5 {
                let draw = pool.draw(using: &random)
                guard let due = pool.due(after: last, gap: draw.gap, now: now) else { break }
                draws.append(
                    DryRunDraw(
                        dueAt: due, name: draw.entry.step.name, fault: draw.entry.step.text,
                        scope: draw.entry.scope, holdS: draw.hold))
                last = due.adding(seconds: draw.hold)
                now = due
            }
            let verdict = await guardian.verdict(for: draws.first?.fault)
            if json {
                return try Output.json(
                    DryRun(draws: draws, guardAllows: verdict.allows, checks: verdict.checks), snakeCase: true)
            }
            print("The next draws of \(pool.name) (\(pool.service)), each after the one before ends:")
            Output.table(
                header: ["due", "fault", "scope", "hold"],
                rows: draws.map {
                    [$0.dueAt.description, "\($0.name): \($0.fault)", $0.scope, DurationText.human($0.holdS)]
                })
            print("")
            print("The guard now, for the first: " + (verdict.allows ? "it may start" : "it would refuse"))
            for check in verdict.checks { print("  \(check.passed ? "ok  " : "FAIL") \(check.name): \(check.detail)") }
        }

        struct DryRunDraw: Encodable {
            var dueAt: Timestamp
            var name: String
            var fault: String
            var scope: String
            var holdS: Double
        }

        struct DryRun: Encodable {
            var draws: [DryRunDraw]
            var guardAllows: Bool
            var checks: [GuardVerdict.Check]
        }
    }
}
