import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct ActionDone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "done", abstract: "Mark an action item as done.")

        @Argument(help: "The action item id (see `incident action list`).")
        var actionId: Int64

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions

        func run() async throws {
            try await Action.close(actionId, as: .done, reason: nil, at: at, options: options)
        }
    }
}
