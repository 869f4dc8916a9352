import ArgumentParser
import Conventions
import Foundation
import IncidentKit
import IncidentServer
import Logging

/// `incident-serve`: the Alertmanager webhook receiver, started by `incident serve`. It is an executable of
/// its own so that the server library is never loaded by the lifecycle commands, which start in milliseconds.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident serve",
        abstract: "Receive Alertmanager's alerts and record them as detections in the incident store.",
        discussion: """
            Alertmanager's webhook (payload version 4) posts to /alertmanager with 'Authorization: Bearer TOKEN'; \
            the token comes from --token-file, else $INCIDENT_SERVE_TOKEN. Every alert is kept. A firing alert \
            detects the open, undetected incident of its service (label service, else job) at its startsAt, \
            injected ones first; with none, it opens a real incident. A resolved alert is a note: alerts resolve \
            as their windows drain, and on a dead target by themselves, so recovery comes from the prober or \
            a person. An alert that fires after the incident recovered undetected is a late detection.

            Answers: 200, 400 (not Alertmanager's payload, naming what is wrong), 401 (token), 413 (over 1 MiB), \
            503 (the database is busy or failing: Alertmanager retries). GET /healthz answers 200. SIGTERM \
            finishes the request in progress and exits 0.

            Example: INCIDENT_SERVE_TOKEN=secret incident serve --listen 127.0.0.1:9095
            """)

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:9095"

    @Option(
        help: ArgumentHelp(
            "A file holding the token Alertmanager sends (default: $INCIDENT_SERVE_TOKEN).", valueName: "file"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "How long after an incident recovered an alert still counts as its late detection (\(DurationInput.help)).",
            valueName: "duration"))
    var lateWindow = "15m"

    @Option(
        help: ArgumentHelp(
            "The database file or postgres:// URI (default: $INCIDENT_DB, else ~/.local/share/incident/incidents.db).",
            valueName: "path"))
    var db: String?

    func run() async throws {
        do {
            if db?.isEmpty == true { throw IncidentError.invalidInput("--db is empty; give the database file's path") }
            var configuration = ServeConfiguration(token: try token())
            let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65_535).contains(port) else {
                throw IncidentError.invalidInput("--listen '\(listen)' is not host:port, such as 127.0.0.1:9095")
            }
            (configuration.host, configuration.port) = (String(parts[0]), port)
            configuration.lateWindow = try DurationInput.seconds(lateWindow, option: "--late-window", in: 0...86_400)
            let store = try await IncidentStore.connect(to: IncidentStore.location(explicit: db), ifMissing: .create)
            try await store.prepareForWriting()
            var logger = Logger(label: "incident-serve")
            logger.logLevel = .info
            try await serve(store: store, configuration: configuration, logger: logger)
        } catch let error as any ExitingError {
            throw ExitCode(StandardError.fail("incident", error))
        } catch let error as SystemError {
            throw ExitCode(StandardError.fail("incident", ListenFailure(error, setting: "--listen")))
        }
    }

    func token() throws -> String {
        try TokenInput.read(
            file: tokenFile, variable: "INCIDENT_SERVE_TOKEN",
            missing: "no token: set INCIDENT_SERVE_TOKEN or pass --token-file; the receiver never runs open to anyone"
        ).value
    }
}

/// Runs `incident-serve`: its executable and the container image's multi-call binary.
public enum ServeMain {
    /// Parses the process's arguments, serves until SIGTERM and exits with its status.
    public static func main() async { await ServeCommand.main() }
}
