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
                Each --interval it asks every --path (default /, /readyz and /livez). A probe fails on a \
                connection error, a timeout, a status other than 2xx, or an answer slower than --slow. When \
                --fail-after rounds in a row failed, it records the detection (via probe, at that moment) on the \
                open, undetected incident of --service, the most recently injected one first; with none, it \
                opens a real incident started at the first failed probe. When --recover-after rounds in a row \
                succeeded, it records the incident as mitigated at the first good probe.

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
            let stop = StopSignal.onInterrupt()
            let author = options.author.name
            let live = Output.usesColor && !json
            if !json {
                print(
                    "watching \(settings.target) (\(settings.paths.joined(separator: " ")) every \(probe.interval)); Ctrl-C stops"
                )
            }
            try await options.database.writing { store in
                let watch = GameDay.Watch(prober: Prober(settings), store: store, service: service, author: author)
                var rounds = 0
                while !stop.isStopped {
                    let next = ContinuousClock.now + settings.interval
                    let event = try await watch.step()
                    rounds += 1
                    if let event {
                        if live { print("\r\u{1B}[K", terminator: "") }
                        if json {
                            print(String(decoding: try JSONEncoder.stable().encode(event), as: UTF8.self))
                        } else {
                            print(event.line)
                        }
                        _ = Output.flushStandardOutput()
                        if untilRecovered && event.kind == .recovered { break }
                    }
                    if live, let round = watch.lastRound {
                        print(
                            "\r\u{1B}[K\(watch.isDown ? "DOWN" : round.ok ? "ok" : "failing"): \(rounds) rounds; "
                                + (round.failure ?? "last round good"), terminator: "")
                        _ = Output.flushStandardOutput()
                    }
                    await stop.sleep(until: next)
                }
            }
            if live { print("") }
        }
    }
}
