import ArgumentParser
import IncidentKit

struct Mitigate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mitigate",
        abstract: "Record that the impact ended and service is restored.",
        discussion: """
            Mitigation ends the time to recover (TTR), even when the root cause is still unknown: a rollback,
            a failover, a fault switched off. Resolve the incident once the cause is understood.

            Example: incident mitigate 12 --at -2m
            """)

    @Argument(help: "The incident id.")
    var id: Int64

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        Output.confirm(try store.mitigate(id, at: try options.time(at), by: options.author.name, now: options.now))
    }
}
