import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct ActionList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List action items, oldest first.")

        @Flag(help: "Only the ones still open.")
        var open = false

        @Option(help: ArgumentHelp("Only the action items of this incident.", valueName: "id"))
        var incident: Int64?

        @Flag(help: "Print them as a JSON array.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let actions = try await database.reading().actions(openOnly: open, incident: incident)
            if json {
                try Output.json(actions)
            } else {
                Self.table(actions)
            }
        }

        static func table(_ actions: [ActionItem]) {
            Output.table(
                header: ["id", "incident", "status", "kind", "owner", "due", "title"],
                rows: actions.map { action in
                    [
                        String(action.id!), "#\(action.incidentId)", action.status.rawValue, action.kind.rawValue,
                        Output.printable(action.owner ?? "-"), action.due ?? "-",
                        Output.printable(action.title) + (action.url.map { " <\(Output.printable($0))>" } ?? ""),
                    ]
                })
        }
    }
}
