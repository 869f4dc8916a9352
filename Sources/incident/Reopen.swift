import ArgumentParser
import IncidentKit

struct Reopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Reopen a resolved or cancelled incident.",
        discussion: """
            A resolved incident loses its resolved time (the old one stays on the timeline); a cancelled one
            counts in metrics again.
            """)

    @Argument(help: "The incident id.")
    var id: Int64

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        Output.confirm(try store.reopen(id, at: try options.time(at), by: options.author.name, now: options.now))
    }
}
