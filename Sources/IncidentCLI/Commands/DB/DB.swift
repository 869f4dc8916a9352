import ArgumentParser

extension IncidentCommand {
    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Create, check and back up the database.",
            subcommands: [DBInit.self, DBCheck.self, DBBackup.self, DBCopy.self])
    }
}
