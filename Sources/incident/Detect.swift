import ArgumentParser
import IncidentKit

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Record when and how a failure was noticed.",
        discussion: """
            --via says who or what noticed it first: alert, probe, customer, manual, other, or alert:NAME for a
            named alert rule. For injected incidents this time gives the exact time to detect.

            Example: incident detect 12 --via alert:HighErrorRate --at -3m
            """)

    @Argument(help: "The incident id.")
    var id: Int64

    @Option(help: ArgumentHelp("How it was noticed: alert, probe, customer, manual, other or alert:NAME.",
                               valueName: "method"))
    var via: String?

    @Option(parsing: .unconditional, help: atHelp)
    var at: String?

    @OptionGroup var options: WriteOptions

    func run() throws {
        let store = try options.database.openForWriting()
        Output.confirm(try store.detect(id, at: try options.time(at), via: via, by: options.author.name,
                                        now: options.now))
    }
}
