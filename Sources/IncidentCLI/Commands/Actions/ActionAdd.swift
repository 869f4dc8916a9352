import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct ActionAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add an action item to an incident.",
            discussion: """
                Kinds: prevent (stop it happening again), detect (notice it sooner), mitigate (recover faster), \
                process (how we work).

                Example:
                  incident action add 12 "alert on p99 latency" --kind detect --owner bob \\
                    --due 2026-12-15
                """)

        @Argument(help: "The incident id.")
        var id: Int64

        @Argument(help: "What is to be done.")
        var title: String

        @Option(help: "prevent, detect, mitigate or process.")
        var kind = ActionKind.prevent

        @Option(help: ArgumentHelp("Who will do it.", valueName: "name"))
        var owner: String?

        @Option(help: ArgumentHelp("When it is due, as YYYY-MM-DD.", valueName: "date"))
        var due: String?

        @Option(help: ArgumentHelp("A link to the ticket or change.", valueName: "url"))
        var url: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @OptionGroup var options: WriteOptions

        func run() async throws {
            let draft = ActionItem(
                incidentId: id, title: title, kind: kind, owner: owner, due: due, url: url,
                createdAt: try options.time(at))
            let author = options.author.name
            let action = try await options.database.writing { store in
                try await store.addAction(to: id, draft, by: author, now: options.now)
            }
            print("action #\(action.id!) added to incident #\(id): \(Output.printable(action.title))")
        }
    }
}
