import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Receive Alertmanager's alerts as detections (runs incident-serve; see its --help).",
            discussion: """
                The receiver is the executable incident-serve beside incident, so that the lifecycle commands \
                never load a server. Its options (`incident-serve --help` says more):
                  --listen HOST:PORT       where to listen (default 127.0.0.1:9095)
                  --token-file FILE        the bearer token (default $INCIDENT_SERVE_TOKEN)
                  --late-window DURATION   how late an alert is still a late detection (15m)
                  --db PATH                the database file (default $INCIDENT_DB)
                """)

        @Argument(parsing: .allUnrecognized, help: "The receiver's options.")
        var arguments: [String] = []

        /// `incident-serve` beside this binary, else on the PATH.
        static var receiver: String? {
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent("incident-serve").path
            if FileManager.default.isExecutableFile(atPath: beside) { return beside }
            return (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .map { "\($0)/incident-serve" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        func run() throws {
            guard let receiver = Self.receiver else {
                throw IncidentError.unavailable(
                    "incident-serve, the receiver, is not installed beside incident nor on the PATH; build it with "
                        + "`swift build -c release --product incident-serve` and install it beside incident")
            }
            let argv = ([receiver] + arguments).map { strdup($0) } + [nil]
            // The receiver handles SIGINT and SIGTERM itself: it must not inherit this process's ignoring them.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            execv(receiver, argv)
            throw IncidentError.unavailable("cannot start \(receiver): \(String(cString: strerror(errno)))")
        }
    }
}
