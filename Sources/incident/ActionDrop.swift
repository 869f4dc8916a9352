import ArgumentParser
import IncidentKit

struct ActionDrop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop", abstract: "Drop an action item that will not be done, saying why.")

    @Argument(help: "The action item id (see `incident action list`).")
    var actionId: Int64

    @Option(help: ArgumentHelp("Why it will not be done.", valueName: "text"))
    var reason: String

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        let action = try store.closeAction(actionId, as: .dropped, reason: reason, at: try options.time(at),
                                           by: options.author.name, now: options.now)
        print("action #\(actionId) dropped: \(Output.printable(action.title))")
    }
}
