import ArgumentParser
import IncidentKit

/// A command that changes one incident at one moment (`--at`), then confirms what it wrote.
protocol IncidentStep: AsyncParsableCommand {
    var at: String? { get }
    var options: WriteOptions { get }
    var output: StepOutput { get }

    /// Makes the change; `time` is `--at` (default: now).
    func apply(to store: any IncidentRepository, at time: Timestamp, by author: String, now: Timestamp) async throws
        -> IncidentDetail
}

extension IncidentStep {
    func run() async throws {
        let time = try options.time(at)
        let author = options.author.name
        let detail = try await options.database.writing { store in
            try await apply(to: store, at: time, by: author, now: options.now)
        }
        if !output.quiet { Output.confirm(detail) }
    }
}

/// How a lifecycle step reports what it recorded.
struct StepOutput: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing on success, for scripts (the exit status says it worked).")
    var quiet = false
}
