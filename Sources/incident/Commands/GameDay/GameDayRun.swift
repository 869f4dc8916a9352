import ArgumentParser
import Conventions
import Foundation
import GameDay
import IncidentKit
import SLOStatus

extension IncidentCommand {
    struct GameDayRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Play a scenario against the app and print its scorecard.",
            discussion: """
                For each step of the scenario (YAML or JSON; see examples/gameday/all-faults.yaml) it injects the \
                fault and records the injected incident, probes until the failure is detected or detect_within \
                passes (an undetected failure stays on record undetected: that is the finding), clears the fault \
                after its hold, probes until the app is healthy or recover_within passes, and resolves the \
                incident with the step's cause. Between steps it waits until the app is healthy again.

                The scorecard gives per step the fault, whether and how fast it was detected (TTD) and recovered \
                (TTR), and totals; --output also writes it as markdown. A run that completes exits 0 whatever it \
                found; a scenario that cannot run exits 64, 65, 69 or 77. Ctrl-C clears every fault it injected, \
                prints the scorecard so far and exits 130.

                --supervise "COMMAND" starts the app itself and restarts it whenever it exits (a restart \
                policy, like systemd's or a container runtime's), so that a crash step can recover and its TTR \
                includes the restart; without it, a crashed app is reported as not recovered. The supervised app \
                is stopped at the end.

                Behind a load balancer, --target is where users come (the prober asks it) and --replica names \
                each replica's own URL (repeat it; default: $INCIDENT_REPLICAS, space-separated, which the lab's \
                lab.env sets): a step's fault goes to the first replica (replicas: 1) or to every one (replicas: \
                all, the default; --scope sets it for every step), and the scorecard says which. Without \
                replicas, faults go to --target.

                Examples:
                  incident gameday run examples/gameday/all-faults.yaml --output gameday.md
                  APP_ADMIN_TOKEN=t incident gameday run examples/gameday/all-faults.yaml \\
                      --supervise "APP_ADMIN_TOKEN=t APP_PORT=8080 .build/release/app"
                """)

        @Argument(help: "The scenario file, YAML or JSON.")
        var scenario: String

        @Option(help: ArgumentHelp("Also write the scorecard as markdown to this file (replaced).", valueName: "file"))
        var output: String?

        @Option(
            help: ArgumentHelp(
                "A shell command that starts the app; it is restarted when it exits.", valueName: "command"))
        var supervise: String?

        @Option(help: ArgumentHelp("Where the supervised app's output goes (default: discarded).", valueName: "file"))
        var superviseLog: String?

        /// Who records a game day's detections.
        enum DetectorChoice: String, CaseFoldedArgument, CaseIterable {
            case probe, alerts
        }

        @Option(
            help: ArgumentHelp(
                "Who detects: probe (the built-in prober) or alerts (alerts arriving at `incident serve`; the prober "
                    + "still measures recovery).", valueName: "probe|alerts"))
        var detector = DetectorChoice.probe

        @Option(
            help: ArgumentHelp(
                "Prometheus's URL, with --detector alerts (default: $PROMETHEUS_URL): between steps the game day "
                    + "waits until no paging alert is pending or firing.", valueName: "url"))
        var prometheus: String?

        @OptionGroup var replicas: ReplicaOptions

        @Option(
            help: ArgumentHelp(
                "Break the first replica only (1) or every replica (all) in every step, whatever the scenario says.",
                valueName: "1|all"))
        var scope: Scenario.ReplicaScope?

        @Flag(help: "Print the scorecard as JSON.")
        var json = false

        @OptionGroup var probe: ProbeOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var options: WriteOptions

        /// Prometheus's URL: --prometheus, else $PROMETHEUS_URL (which the lab's `lab.env` sets).
        var prometheusURL: String? {
            prometheus ?? ProcessInfo.processInfo.environment["PROMETHEUS_URL"].flatMap { $0.isEmpty ? nil : $0 }
        }

        func validate() throws {
            if detector == .alerts && prometheusURL == nil {
                throw ValidationError(
                    "--detector alerts needs Prometheus's URL (--prometheus URL, or $PROMETHEUS_URL), to wait for "
                        + "alerts to end between steps")
            }
        }

        func run() async throws {
            var read = try Scenario.read(file: scenario)
            if let scope {
                for index in read.steps.indices { read.steps[index].replicas = scope }
            }
            let scenario = read
            let detector: Detector =
                switch self.detector {
                case .probe: .probe
                case .alerts: .alerts(prometheus: try PrometheusClient(url: prometheusURL!, timeout: .seconds(5)))
                }
            let probes = try probe.settings(target: target.url)
            let replicaURLs = try replicas.urls()
            let admins = try replicaURLs.isEmpty ? [target.admin()] : replicaURLs.map { try target.admin(at: $0) }
            // The lab's keeper, when a step's fault comes from outside the app; missing, that is 69 now.
            let keeper = try scenario.steps.first { $0.fault.action.type.isOutside }.map {
                try target.admin(for: $0.fault.action.type)
            }
            let output = try output.map { try OutputFile(path: $0, replacing: true) }
            defer { output?.discard() }
            let supervisor = supervise.map { Supervisor(command: $0, log: superviseLog) }
            do {
                try supervisor?.start()
            } catch {
                throw IncidentError.invalidInput("--supervise: \(error)")
            }
            // A dead target or a refused token fails now, before anything is recorded; a supervised app may
            // still be starting, and the first step waits for it to be healthy.
            if supervisor == nil {
                for admin in admins + [keeper].compactMap({ $0 }) { _ = try await admin.list() }
            }
            let author = options.author.name
            let json = json
            let scorecard: Scorecard
            do {
                scorecard = try await options.database.writing { store in
                    try await StopRequest.running { stop in
                        try await GameDayRunner(
                            scenario: scenario, replicas: admins, keeper: keeper, probes: probes, store: store,
                            author: author,
                            stop: stop,
                            supervisor: supervisor, detector: detector,
                            progress: { line in
                                if !json { print(line) }
                                _ = Output.flushStandardOutput()
                            }
                        ).run()
                    }
                }
            } catch {
                await supervisor?.stop()
                throw error
            }
            await supervisor?.stop()
            if json {
                try Output.json(scorecard, snakeCase: false)
            } else {
                print("")
                Output.table(
                    header: scorecard.table.header, rows: scorecard.table.rows.map { $0.map { Output.printable($0) } })
                print(scorecard.totals)
            }
            if let output {
                try output.write(scorecard.markdown)
                try output.commit()
            }
            if let supervisor, supervisor.restarts > 0, !json {
                print("the supervised app was restarted \(supervisor.restarts) time(s)")
            }
            for hint in scorecard.openIncidentHints { StandardError.print("incident: \(hint)") }
            if scorecard.interrupted { throw ExitCode(130) }
            if let unhealthy = scorecard.unhealthy {
                throw IncidentError.unavailable("\(unhealthy); the steps after it were skipped")
            }
        }
    }
}
