import ArgumentParser

extension IncidentCommand {
    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Check and back up the database.",
            subcommands: [DBCheck.self, DBBackup.self])
    }
}
