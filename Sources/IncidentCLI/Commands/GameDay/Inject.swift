import ArgumentParser
import FaultCatalog
import GameDay
import IncidentKit

extension IncidentCommand {
    struct Inject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inject",
            abstract: "Break the app on purpose through its admin API, and record the injected incident.",
            discussion: """
                Sends the fault to the app's admin API, then opens an injected incident started at the app's own \
                activation time, so that its time to detect is exact. The fault is TYPE then KEY=VALUE parameters, \
                as the app's catalog defines them (see docs/contract.md): latency ms=800, error status=503, \
                abort, hang max_s=30, crash exit_code=137, memory_leak mb_per_s=20 max_mb=512, cpu_burn \
                threads=2, dependency_down, not_ready, not_live. If the app refuses the fault, nothing is \
                recorded; if the incident cannot be written, the fault is cleared again.

                Faults from outside the app go to the lab's keeper (scripts/lab.sh up; --lab, default \
                $INCIDENT_LAB_URL), which plays them on what the lab started and ends them at their duration even \
                if this command is gone: kill replica=N|all (SIGKILL; the supervisor restarts it), pause \
                replica=N|all (SIGSTOP), partition from=lb to=replica-N or from=replica-N to=db (packets dropped), \
                db_down, db_lock (the notes table locked), db_connections (every free slot taken), cpu_throttle \
                replica=N|all cpus=0.1 (a CPU quota), oom replica=N|all (memory capped while the app leaks: the \
                OOM killer ends it), disk_full (the database's file system filled). A type the machine cannot play (no root, no cgroup) is \
                refused whole, exit 69.

                The token comes from $APP_ADMIN_TOKEN or --token-file, never from a flag (flags show in ps).

                Examples:
                  incident inject error status=503 --probability 0.5 --route '/api/*' \\
                    --duration 10m
                  incident inject latency ms=800 --duration 2m -q
                  incident watch --until-recovered   # detected, then recovered at expiry
                  incident inject partition from=lb to=replica-1 --duration 1m
                  incident inject kill --replica 2
                """)

        @Argument(
            help:
                "The fault type: latency, error, abort, hang, crash, memory_leak, cpu_burn, dependency_down, not_ready, not_live; from outside: kill, pause, partition, db_down, db_lock, db_connections, cpu_throttle, oom, disk_full."
        )
        var type: String

        @Argument(help: ArgumentHelp("The fault's parameters, such as ms=800 or status=503.", valueName: "key=value"))
        var parameters: [String] = []

        @Option(
            help: ArgumentHelp("The chance, 0 to 1, that the fault acts on a request, call or probe.", valueName: "p"))
        var probability: Double?

        @Option(help: ArgumentHelp("A glob over request paths, such as '/api/*'.", valueName: "glob"))
        var route: String?

        @Option(
            help: ArgumentHelp(
                "The replica an outside fault hits, a number or all (the same as replica=N).", valueName: "N|all"))
        var replica: String?

        @Option(
            help: ArgumentHelp(
                "How long the fault lasts before it expires (\(DurationInput.help)).", valueName: "duration"))
        var duration: String?

        @Option(help: ArgumentHelp("The incident's title (default: the fault).", valueName: "text"))
        var title: String?

        @Option(help: ArgumentHelp("The service the fault breaks.", valueName: "name"))
        var service = "app"

        @Option(help: "How bad it is, sev1 (worst) to sev4.")
        var severity = Severity.sev3

        @OptionGroup var output: NewRecordOutput
        @OptionGroup var target: TargetOptions
        @OptionGroup var options: WriteOptions

        /// The fault, built from the words as given (a value may hold spaces), with the options folded in.
        func spec() throws -> FaultSpec {
            var extra: [String: FaultValue] = [:]
            if let probability { extra["probability"] = .number(probability) }
            if let route { extra["route"] = .string(route) }
            if let duration {
                extra["duration_s"] = .number(
                    try DurationInput.seconds(duration, option: "--duration", in: 0.001...86_400))
            }
            do {
                return try FaultSpec(
                    type: type, parameters: parameters + (replica.map { ["replica=\($0)"] } ?? []), extra: extra)
            } catch {
                throw IncidentError.invalidInput("the fault is not one the catalog accepts: \(error.description)")
            }
        }

        func run() async throws {
            let spec = try spec()
            let admin = try target.admin(for: spec.action.type)
            let author = options.author.name
            let detail = try await options.database.writing { store in
                try await Injection.inject(
                    spec, title: title, service: service, severity: severity, admin: admin, store: store, by: author)
            }
            try output.print(id: detail.incident.id!, detail) {
                Output.confirm(detail)
                print(
                    "  fault #\(detail.incident.faultId!) on \(admin.target); clear it with `incident clear \(detail.incident.id!)`"
                )
            }
        }
    }
}
