import ArgumentParser

struct Action: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Track the preventive changes incidents lead to.",
        subcommands: [ActionAdd.self, ActionDone.self, ActionDrop.self, ActionList.self])
}
