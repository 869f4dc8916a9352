import ArgumentParser
import IncidentKit

struct ActionDone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "done", abstract: "Mark an action item as done.")

    @Argument(help: "The action item id (see `incident action list`).")
    var actionId: Int64

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        let action = try store.closeAction(actionId, as: .done, reason: nil, at: try options.time(at),
                                           by: options.author.name, now: options.now)
        print("action #\(actionId) done: \(Output.printable(action.title))")
    }
}
