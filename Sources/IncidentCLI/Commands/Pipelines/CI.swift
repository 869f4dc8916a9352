import ArgumentParser

extension IncidentCommand {
    struct CI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ci",
            abstract: "Record CI pipeline failures from inside the pipeline: time to green.",
            subcommands: [CIRecord.self])
    }
}
