import ArgumentParser
import Conventions
import Foundation
import GameDay
import IncidentKit

extension IncidentCommand {
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Probe the app as a black box, and record when failures are detected and recovered.",
            discussion: """
                Each --interval it asks every --path (default \(ProbeSettings.defaultPaths.joined(separator: ", "))) \
                --samples times at once. A probe fails on a connection error, a timeout, a status other than 2xx, \
                or an answer slower than --slow; a round fails when one of its probes does.

                It speaks only for the incidents of --service on --target (or recording no target). When \
                --fail-after rounds in a row failed, it records the detection (via probe, at that moment) on the \
                ongoing incident of the service, the most recently injected one first, unless that was detected \
                already; with none, it opens a real incident started at the first failed round. An ongoing \
                incident detected by someone else (an alert, another prober) is followed too. It records the \
                recovery (mitigated at the first good round) once --recover-after rounds in a row had every probe \
                good, so that a partial failure never passes for health; they must follow the fault's end when the \
                record says it was cleared or expired, and for an incident it did not detect itself, whose failure \
                the probes may not see, an injected fault must have ended. Until the target has answered a probe with 2xx once, failures \
                detect nothing (a wrong --target, an app not started): it says so.

                Behind a load balancer, --target is where users come, and only its probes detect and recover. \
                --per-replica asks every replica's own URL the same rounds too (--replica, repeated, or \
                $INCIDENT_REPLICAS, which the lab's lab.env sets; named replica-1, replica-2… in that order) and \
                says when one turns failing or good again, judged by the same --fail-after and --recover-after: \
                which replica the load balancer is hiding. Those lines record nothing.

                It prints a line for each change (a JSON object with --json) and, on a terminal, a status line. \
                Ctrl-C or SIGTERM stops it between rounds, with nothing half-written.

                Examples:
                  incident watch --until-recovered
                  incident watch --path /readyz --interval 500ms --slow 300ms --json
                  incident watch --per-replica        # in the lab, after: source .lab/lab.env
                """)

        @OptionGroup var probe: ProbeOptions

        @Option(help: ArgumentHelp("The service whose incidents the detections go to.", valueName: "name"))
        var service = "app"

        @Flag(help: "Exit after one failure has been detected and has recovered.")
        var untilRecovered = false

        @Flag(help: "Print each change as a JSON object on a line of its own.")
        var json = false

        @Option(
            help: ArgumentHelp(
                "The app's base URL (default: $INCIDENT_TARGET, else http://127.0.0.1:8080).", valueName: "url"))
        var target: String?

        @Flag(help: "Also probe each replica (--replica, else $INCIDENT_REPLICAS) and say when one fails or recovers.")
        var perReplica = false

        @OptionGroup var replicas: ReplicaOptions

        @OptionGroup var options: WriteOptions

        func validate() throws {
            if !replicas.replicas.isEmpty && !perReplica {
                throw ValidationError("--replica is for --per-replica: add --per-replica to probe each replica")
            }
        }

        func run() async throws {
            let settings = try probe.settings(target: AdminClient.target(explicit: target))
            let scope = DetectorScope(service: service, target: settings.target)
            let author = options.author.name
            let live = Output.usesColor && !json
            var replicaWatch: ReplicaWatch?
            if perReplica {
                let urls = try replicas.urls()
                guard !urls.isEmpty else {
                    throw IncidentError.invalidInput(
                        "--per-replica needs the replicas' URLs: --replica URL (repeat it), or $INCIDENT_REPLICAS "
                            + "(space-separated; the lab's lab.env sets it)")
                }
                replicaWatch = ReplicaWatch(settings: settings, urls: urls)
            }
            if !json {
                print(
                    "watching \(settings.target) (\(settings.paths.joined(separator: " ")) ×\(settings.samples) every "
                        + "\(probe.interval)) for --service \(service)"
                        + (replicaWatch.map { view in
                            "; each replica too: "
                                + view.replicas.map { "\($0.name) \($0.url)" }.joined(separator: ", ")
                        } ?? "") + "; Ctrl-C stops")
                _ = Output.flushStandardOutput()
            }
            try await options.database.writing { store in
                var watch = GameDay.Watch(prober: Prober(settings), store: store, scope: scope, author: author)
                var rounds = 0
                while !Task.isCancelled {
                    let next = ContinuousClock.now + settings.interval
                    let events: [WatchEvent]
                    let warnings: [String]
                    var replicaEvents: [ReplicaEvent] = []
                    do {
                        let view = replicaWatch
                        async let replicaRounds = view?.rounds() ?? []
                        (events, warnings) = try await watch.step()
                        replicaEvents = replicaWatch?.observe(try await replicaRounds) ?? []
                    } catch is CancellationError {
                        break  // Ctrl-C: what the round would have written is rolled back
                    }
                    rounds += 1
                    if live && !(events.isEmpty && warnings.isEmpty && replicaEvents.isEmpty) {
                        print("\r\u{1B}[K", terminator: "")
                    }
                    for warning in warnings { StandardError.print("incident: warning: \(warning)") }
                    if rounds == 1 && !watch.targetAnswered {
                        StandardError.print(
                            "incident: warning: \(settings.target) does not answer (\(watch.lastRound?.failure ?? "?")); "
                                + "nothing is detected until it answers a probe with 2xx. Check --target")
                    }
                    for event in events { try show(event, line: event.line) }
                    for event in replicaEvents { try show(event, line: event.line) }
                    _ = Output.flushStandardOutput()
                    if untilRecovered && events.contains(where: { $0.kind == .recovered }) { break }
                    if live, let round = watch.lastRound {
                        print(
                            "\r\u{1B}[K\(watch.isDown ? "DOWN" : round.ok ? "ok" : "failing"): \(rounds) rounds; "
                                + (round.ok
                                    ? "last round good"
                                    : "\(round.failed) of \(round.probes) probes failed, \(round.failure ?? "")")
                                + (replicaWatch.map { "; \($0.summary)" } ?? ""),
                            terminator: "")
                        _ = Output.flushStandardOutput()
                    }
                    try? await Task.sleep(until: next)
                }
            }
            if live { print("") }
        }

        /// Prints one change: `line` for people, or the event as a JSON object with --json.
        private func show(_ event: some Encodable, line: String) throws {
            print(json ? String(decoding: try JSONEncoder.stable().encode(event), as: UTF8.self) : line)
        }
    }
}
