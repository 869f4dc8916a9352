import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "action",
            abstract: "Track the preventive changes incidents lead to.",
            subcommands: [ActionAdd.self, ActionDone.self, ActionDrop.self, ActionList.self])

        /// Closes action item `actionId` as `status` at `--at` and confirms it: `action done` and `action drop`.
        static func close(
            _ actionId: Int64, as status: ActionStatus, reason: String?, at: String?,
            options: WriteOptions
        ) async throws {
            let time = try options.time(at)
            let author = options.author.name
            let action = try await options.database.writing { store in
                try await store.closeAction(
                    actionId, as: status, reason: reason, at: time, by: author, now: options.now)
            }
            print("action #\(actionId) \(status.rawValue): \(Output.printable(action.title))")
        }
    }
}
