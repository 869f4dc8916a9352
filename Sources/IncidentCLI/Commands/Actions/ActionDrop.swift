import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct ActionDrop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drop", abstract: "Drop an action item that will not be done, saying why.")

        @Argument(help: "The action item id (see `incident action list`).")
        var actionId: Int64

        @Option(help: ArgumentHelp("Why it will not be done.", valueName: "text"))
        var reason: String

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions

        func run() async throws {
            try await Action.close(actionId, as: .dropped, reason: reason, at: at, options: options)
        }
    }
}
