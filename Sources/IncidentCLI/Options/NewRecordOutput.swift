import ArgumentParser
import IncidentKit

/// `--json` and `-q`: how a command that records something new (an incident, a deploy) prints it.
struct NewRecordOutput: ParsableArguments {
    @Flag(help: "Print the new record as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only the new id, for scripts.")
    var quiet = false

    func validate() throws {
        if json && quiet { throw ValidationError("--json and --quiet cannot be used together; choose one") }
    }

    /// Prints `id` alone with `-q`, `record` as JSON with `--json`, else what `describe` prints for people.
    func print(id: Int64, _ record: some Encodable, describe: () -> Void) throws {
        if quiet {
            Swift.print(id)
        } else if json {
            try Output.json(record)
        } else {
            describe()
        }
    }
}
