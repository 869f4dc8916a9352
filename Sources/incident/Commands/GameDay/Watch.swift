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

                It prints a line for each change (a JSON object with --json) and, on a terminal, a status line. \
                Ctrl-C or SIGTERM stops it between rounds, with nothing half-written.

                Examples:
                  incident watch --until-recovered
                  incident watch --path /readyz --interval 500ms --slow 300ms --json
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

        @OptionGroup var options: WriteOptions

        func run() async throws {
            let settings = try probe.settings(target: AdminClient.target(explicit: target))
            let scope = DetectorScope(service: service, target: settings.target)
            let author = options.author.name
            let live = Output.usesColor && !json
            if !json {
                print(
                    "watching \(settings.target) (\(settings.paths.joined(separator: " ")) ×\(settings.samples) every "
                        + "\(probe.interval)) for --service \(service); Ctrl-C stops")
                _ = Output.flushStandardOutput()
            }
            try await options.database.writing { store in
                var watch = GameDay.Watch(prober: Prober(settings), store: store, scope: scope, author: author)
                var rounds = 0
                while !Task.isCancelled {
                    let next = ContinuousClock.now + settings.interval
                    let events: [WatchEvent]
                    let warnings: [String]
                    do {
                        (events, warnings) = try await watch.step()
                    } catch is CancellationError {
                        break  // Ctrl-C: what the round would have written is rolled back
                    }
                    rounds += 1
                    if live && !(events.isEmpty && warnings.isEmpty) { print("\r\u{1B}[K", terminator: "") }
                    for warning in warnings { StandardError.print("incident: warning: \(warning)") }
                    if rounds == 1 && !watch.targetAnswered {
                        StandardError.print(
                            "incident: warning: \(settings.target) does not answer (\(watch.lastRound?.failure ?? "?")); "
                                + "nothing is detected until it answers a probe with 2xx. Check --target")
                    }
                    for event in events {
                        print(
                            json ? String(decoding: try JSONEncoder.stable().encode(event), as: UTF8.self) : event.line)
                    }
                    _ = Output.flushStandardOutput()
                    if untilRecovered && events.contains(where: { $0.kind == .recovered }) { break }
                    if live, let round = watch.lastRound {
                        print(
                            "\r\u{1B}[K\(watch.isDown ? "DOWN" : round.ok ? "ok" : "failing"): \(rounds) rounds; "
                                + (round.ok
                                    ? "last round good"
                                    : "\(round.failed) of \(round.probes) probes failed, \(round.failure ?? "")"),
                            terminator: "")
                        _ = Output.flushStandardOutput()
                    }
                    try? await Task.sleep(until: next)
                }
            }
            if live { print("") }
        }
    }
}
