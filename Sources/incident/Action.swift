import ArgumentParser

struct Action: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Track the preventive changes incidents lead to.",
        subcommands: [ActionAdd.self, ActionDone.self, ActionDrop.self, ActionList.self])
}
