import ArgumentParser
import Conventions
import Foundation
import IncidentKit
import PostgresSupport

/// The `incident` command: records failures and what they taught.
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

            `incident --version` prints this build's version.
            """,
        subcommands: [
            Open.self, Detect.self, Ack.self, Mitigate.self, Resolve.self, Note.self, Cancel.self, Reopen.self,
            Edit.self, Show.self, List.self, Report.self, Postmortem.self, Export.self, Import.self, Action.self,
            DB.self, Inject.self, Clear.self, Faults.self, Watch.self, GameDayCommand.self, Serve.self, CI.self,
            SLOCommand.self, Decision.self, DeployCommand.self, ChaosCommand.self,
        ]
    )

    /// This build's version, for `incident --version`.
    static let version = "0.1.0"

    /// Runs the command line, printing ``IncidentError``s as one line on standard error with their exit status.
    /// Ctrl-C and SIGTERM cancel the command (see ``Interrupts``): it exits 130, its transaction rolled back.
    static func main() async {
        PostgresAddress.hidePasswordsFromProcessList()
        let result = await Interrupts.run {
            try LocalTimeZone.adopt()
            let arguments = movingLeadingDatabaseOption(Array(CommandLine.arguments.dropFirst()))
            // `incident --version` by hand: ArgumentParser's own flag would also take `deploy record --version V`.
            if arguments == ["--version"] { return print(version) }
            try checkWords(arguments)
            var command = try parseAsRoot(arguments)
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
        } catch let error as any ExitingError {
            Foundation.exit(StandardError.fail("incident", error))
        } catch  where exitCode(for: error) == .failure && !(error is ExitCode) {
            // Not ours and not the argument parser's: a file or system failure no check anticipated.
            StandardError.print("incident: error: \(plainReason(error, path: ""))")
            Foundation.exit(ExitStatus.ioError.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// Refuses what the argument parser would misreport: a mistyped subcommand (it says "2 unexpected
    /// arguments"; this names the nearest command) and a negative number (it takes `-1` for an option and says
    /// the id is missing).
    static func checkWords(_ arguments: [String]) throws {
        let words = arguments.prefix { $0 != "--" }
        let isNegativeNumber = { (word: String) in
            word.count > 1 && word.hasPrefix("-") && word.dropFirst().allSatisfy(\.isNumber)
        }
        if let negative = words.first(where: isNegativeNumber) {
            throw IncidentError.invalidInput(
                "\(negative) is a negative number, which no id, count or limit is; give a whole number from 1 "
                    + "(text that begins with '-' goes as --option=\(negative))")
        }
        var command: any ParsableCommand.Type = IncidentCommand.self
        var path = ["incident"]
        for word in words {
            let children = command.configuration.subcommands
            guard !children.isEmpty, command.configuration.defaultSubcommand == nil, !word.hasPrefix("-"),
                word != "help"
            else { return }
            let isNamed = { (type: any ParsableCommand.Type) in
                type._commandName == word || type.configuration.aliases.contains(word)
            }
            guard let child = children.first(where: isNamed) else {
                let nearest = children.map { $0._commandName }.min { editDistance(word, $0) < editDistance(word, $1) }
                let suggestion = nearest.flatMap { name in
                    editDistance(word, name) <= max(2, word.count / 3) ? "; did you mean '\(name)'?" : nil
                }
                throw IncidentError.invalidInput(
                    "'\(word)' is not a command of \(path.joined(separator: " "))\(suggestion ?? "") "
                        + "(`\(path.joined(separator: " ")) --help` lists them)")
            }
            command = child
            path.append(word)
        }
    }

    /// How many single-character insertions, deletions, substitutions or swaps of neighbours turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a.lowercased()), Array(b.lowercased()))
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
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

/// Runs the `incident` command line: the `incident` executable and the container image's multi-call binary.
public enum IncidentMain {
    /// Parses the process's arguments, runs the command and exits with its status.
    public static func main() async { await IncidentCommand.main() }
}
