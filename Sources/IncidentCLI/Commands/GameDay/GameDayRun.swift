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

                A step may deploy a bad release instead of injecting a fault (deploy: RELEASE, strategy: \
                rolling|canary; see examples/gameday/bad-deploys.yaml): --deploy-command (default: \
                $INCIDENT_DEPLOY_COMMAND, which the lab's lab.env sets to scripts/deploy.sh) rolls it out. The \
                injected incident starts with the deploy and names it as its cause; a canary or a readiness gate \
                that stops the release detects the failure, and its rollback ends it; a release that went out stays \
                until the failure is detected or detect_within passes, and the game day then rolls it back. The \
                scorecard says how much of the traffic each release served, and for how long.

                When Prometheus is known (--prometheus, else $PROMETHEUS_URL), the scorecard also gives what each \
                step cost each SLO of the service in --slo-dir: its bad share from the step's start to its \
                recovery, times that span, as a share of the window's error budget (--profile lab for the lab's \
                windows).

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
                "The shell command that rolls out a deploy step's release, given RELEASE --strategy S --json "
                    + "(default: $INCIDENT_DEPLOY_COMMAND).", valueName: "command"))
        var deployCommand: String?

        @OptionGroup(title: "SLO cost (when Prometheus is known; with --detector alerts it must be)") var slo:
            SLOOptions

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
            slo.prometheus ?? Self.environment("PROMETHEUS_URL")
        }

        /// The deploy command: --deploy-command, else $INCIDENT_DEPLOY_COMMAND.
        var deployCommandLine: String? {
            deployCommand ?? Self.environment("INCIDENT_DEPLOY_COMMAND")
        }

        private static func environment(_ name: String) -> String? {
            ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }

        func validate() throws {
            if detector == .alerts && prometheusURL == nil {
                throw ValidationError(
                    "--detector alerts needs Prometheus's URL (--prometheus URL, or $PROMETHEUS_URL), to wait for "
                        + "alerts to end between steps")
            }
            if deployCommand?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                throw ValidationError("--deploy-command is empty; give the command that rolls a release out")
            }
        }

        func run() async throws {
            var read = try Scenario.read(file: scenario)
            if let scope {
                for index in read.steps.indices { read.steps[index].replicas = scope }
            }
            let scenario = read
            let deployCommand = deployCommandLine
            if let deploying = scenario.steps.first(where: { $0.fault == nil }), deployCommand == nil {
                throw IncidentError.invalidInput(
                    "step '\(deploying.name)' deploys a release: pass --deploy-command (or set INCIDENT_DEPLOY_COMMAND, "
                        + "as the lab's lab.env does) with the command that rolls it out, e.g. scripts/deploy.sh")
            }
            // A deploy command named by its path must be there before the first step breaks anything.
            if let program = deployCommand?.split(whereSeparator: \.isWhitespace).first.map(String.init),
                program.contains("/"), !FileManager.default.isExecutableFile(atPath: program)
            {
                throw IncidentError.invalidInput(
                    "the deploy command \(program) is not an executable file; check --deploy-command or "
                        + "INCIDENT_DEPLOY_COMMAND")
            }
            let detector: Detector =
                switch self.detector {
                case .probe: .probe
                case .alerts: .alerts(prometheus: try PrometheusClient(url: prometheusURL!, timeout: .seconds(5)))
                }
            let probes = try probe.settings(target: target.url)
            let replicaURLs = try replicas.urls()
            let admins = try replicaURLs.isEmpty ? [target.admin()] : replicaURLs.map { try target.admin(at: $0) }
            // The lab's keeper, when a step's fault comes from outside the app; missing, that is 69 now.
            let keeper = try scenario.steps.compactMap(\.fault).first { $0.action.type.isOutside }.map {
                try target.admin(for: $0.action.type)
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
            var scorecard: Scorecard
            do {
                scorecard = try await options.database.writing { store in
                    try await StopRequest.running { stop in
                        try await GameDayRunner(
                            scenario: scenario, replicas: admins, keeper: keeper, probes: probes, store: store,
                            author: author,
                            stop: stop,
                            supervisor: supervisor, detector: detector, deployCommand: deployCommand,
                            progress: { line in
                                if !json { print(line) }
                                _ = Output.flushStandardOutput()
                            }
                        ).run()
                    }
                }
                if prometheusURL != nil, !scorecard.interrupted {
                    try await measureCost(of: &scorecard, service: scenario.service)
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

        /// Adds to each step what it cost each SLO of `service`, measured on Prometheus once it has scraped the
        /// last step's end: the share of bad events from the step's start to its recovery, times its span,
        /// over the window's error budget (the share of the budget a window of that traffic allows). A cost
        /// that cannot be measured is a warning, not a failed game day.
        private func measureCost(of scorecard: inout Scorecard, service: String) async throws {
            let ids = scorecard.steps.compactMap(\.incident)
            guard !ids.isEmpty else { return }
            do {
                let slos = try slo.slos().filter { $0.service == service }
                guard !slos.isEmpty else { return }
                let store = try await options.database.reading()
                var incidents: [Incident] = []
                for id in ids { incidents.append(try await store.detail(id).incident) }
                await pause(seconds: Self.scrapeMargin)
                let meter = try slo.meter(timeout: .seconds(5))
                for measurement in try await meter.measure(slos, incidents: incidents, now: .now) {
                    for cost in measurement.incidents {
                        guard let index = scorecard.steps.firstIndex(where: { $0.incident == cost.id }) else {
                            continue
                        }
                        // The step's bad share over its span, against the budget of a window of such traffic: a
                        // young lab's window holds too few events to be the measure.
                        let spent = cost.sli.map {
                            (1 - $0) * cost.spanS / (Double(measurement.windowS) * measurement.errorBudget)
                        }
                        scorecard.steps[index].sloCost.append(
                            .init(slo: measurement.slo, objective: measurement.objective, budgetSpent: spent))
                    }
                }
            } catch {
                StandardError.print("incident: the SLO cost of the steps was not measured: \(error)")
            }
        }

        /// How long the game day waits before measuring, so that Prometheus has scraped the last step's end.
        static let scrapeMargin = 5.0
    }
}
