import ArgumentParser
import IncidentKit

struct Ack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Record that a responder has taken the incident on.",
        discussion: "Example: incident ack 12 --by alice --at 10:47")

    @Argument(help: "The incident id.")
    var id: Int64

    @Option(help: ArgumentHelp("Who took it on (default: the author).", valueName: "name"))
    var by: String?

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        Output.confirm(try store.acknowledge(id, at: try options.time(at), responder: by, by: options.author.name,
                                             now: options.now))
    }
}
