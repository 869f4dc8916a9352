import ArgumentParser
import IncidentKit

/// A command that changes one incident at one moment (`--at`), then confirms what it wrote.
protocol IncidentStep: AsyncParsableCommand {
    var at: String? { get }
    var options: WriteOptions { get }

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
        Output.confirm(detail)
    }
}
