import ArgumentParser

struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Check and back up the database.",
        subcommands: [DBCheck.self, DBBackup.self])
}
