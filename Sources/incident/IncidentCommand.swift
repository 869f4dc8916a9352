import ArgumentParser
import Conventions
import Foundation
import IncidentKit

/// The `incident` command: records failures and what they taught.
@main
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Record incidents, injected or real, from the first minute of an outage to its postmortem.",
        discussion: """
            Every failure is an incident with a timeline: open it when the failure starts (or is injected), then \
            detect, ack, mitigate and resolve it as they happen. Times default to now and accept \(TimeInput.help).

            The database is --db, else $INCIDENT_DB, else $XDG_DATA_HOME/incident/incidents.db \
            (~/.local/share/incident/incidents.db).

            Exit status: 0 ok; 64 bad command-line input; 65 a request that contradicts the record (times out of \
            order, resolving twice) or malformed input data; 66 unknown incident or missing file; 69 a service \
            cannot be reached (the app, Prometheus); 74 database or file unusable (corrupt, newer, disk full); 77 a \
            token was refused.
            """,
        version: "0.1.0",
        subcommands: [
            Open.self, Detect.self, Ack.self, Mitigate.self, Resolve.self, Note.self, Cancel.self, Reopen.self,
            Edit.self, Show.self, List.self, Report.self, Postmortem.self, Export.self, Import.self, Action.self,
            DB.self, Inject.self, Clear.self, Faults.self, Watch.self, GameDayCommand.self, Serve.self, CI.self,
            SLOCommand.self, Decision.self,
        ]
    )

    /// Runs the command line, printing ``IncidentError``s as one line on standard error with their exit status.
    /// Ctrl-C and SIGTERM cancel the command (see ``Interrupts``): it exits 130, its transaction rolled back.
    static func main() async {
        let result = await Interrupts.run {
            try LocalTimeZone.adopt()
            var command = try parseAsRoot(movingLeadingDatabaseOption(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            // print() ignores write errors: a full disk behind `> file` must not look like success.
            if !Output.flushStandardOutput() {
                throw IncidentError.cannotWrite(SystemError("cannot write standard output").description)
            }
        }
        do {
            try result.get()
        } catch is CancellationError {
            StandardError.print("incident: interrupted; nothing of the command was recorded")
            Foundation.exit(Interrupts.exitStatus)
        } catch let error as IncidentError {
            StandardError.print("incident: error: \(error)")
            Foundation.exit(error.exitCode)
        } catch  where exitCode(for: error) == .failure && !(error is ExitCode) {
            // Not ours and not the argument parser's: a file or system failure no check anticipated.
            StandardError.print("incident: error: \(error.localizedDescription)")
            Foundation.exit(ExitStatus.ioError.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// `incident --db PATH list` reads naturally but ArgumentParser only knows `--db` after the subcommand:
    /// a leading `--db PATH` (or `--db=PATH`) is moved to the end of the options, before a `--` if there is one.
    static func movingLeadingDatabaseOption(_ arguments: [String]) -> [String] {
        let count = arguments.first?.hasPrefix("--db=") == true ? 1 : arguments.first == "--db" ? 2 : 0
        guard count > 0, arguments.count >= count else { return arguments }
        var rest = Array(arguments.dropFirst(count))
        rest.insert(contentsOf: arguments.prefix(count), at: rest.firstIndex(of: "--") ?? rest.endIndex)
        return rest
    }
}
