import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DecisionAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Record a decision.",
            discussion: """
                Each --option is "\(DecisionOption.syntax)": its name, a colon, then its three effects in \
                any order, separated by semicolons (say "cost none" rather than leave one out). --chosen is the \
                number of the option chosen, from 1. A linked incident must exist (exit 66).

                Example:
                  incident decision add "Page on multi-window burn rate" \\
                    --context "Threshold alerts paged 4 times a week for nothing" \\
                    --option "Threshold: time 1 h; cost none; reliability fast, noisy" \\
                    --option "Burn rate: time 1 day; cost 7 rules per SLO; reliability quiet" \\
                    --chosen 2 --because "no false page in the study, every fault caught" \\
                    --consequence "a 1 % error trickle takes 30 minutes to page" \\
                    --incident 12 --slo app-availability --revisit 2027-03-01
                """)

        @Argument(help: "What was decided, in a few words.")
        var title: String

        @Option(help: ArgumentHelp("The situation and the forces at play.", valueName: "text"))
        var context: String

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp("An option weighed (repeat): \"\(DecisionOption.syntax)\".", valueName: "option"))
        var options: [String] = []

        @Option(help: ArgumentHelp("The number of the option chosen, from 1.", valueName: "n"))
        var chosen: Int

        @Option(help: ArgumentHelp("Why that option.", valueName: "text"))
        var because: String

        @Option(
            name: .customLong("consequence"),
            help: ArgumentHelp("What follows from the choice, good or bad (repeat).", valueName: "text"))
        var consequences: [String] = []

        @Option(
            name: .customLong("incident"),
            help: ArgumentHelp("An incident that motivated it (repeat).", valueName: "id"))
        var incidents: [Int64] = []

        @Option(
            name: .customLong("slo"),
            help: ArgumentHelp("An SLO it concerns, by its OpenSLO name (repeat).", valueName: "name"))
        var slos: [String] = []

        @Option(help: ArgumentHelp("The day to look at it again, YYYY-MM-DD.", valueName: "date"))
        var revisit: String?

        @Option(parsing: .unconditional, help: atHelp)
        var at: String?

        @Flag(name: .short, help: "Print only the new decision's id.")
        var quiet = false

        @OptionGroup var write: WriteOptions

        func run() async throws {
            let decidedAt = try write.time(at)
            try IncidentRules.requireNotFuture(decidedAt, "decided", now: write.now)
            let draft = DecisionRecord(
                title: title, context: context, options: try options.map(DecisionOption.init(parsing:)),
                chosen: chosen, rationale: because, consequences: consequences, incidents: incidents, slos: slos,
                revisit: revisit, decidedAt: decidedAt, author: write.author.name)
            let record = try await write.database.writing { store in try await store.addDecision(draft) }
            if quiet { return print(record.id!) }
            print(
                "decision #\(record.id!) recorded: \(Output.printable(record.title)) "
                    + "(option \(record.chosen), \(Output.printable(record.choice.name)))")
        }
    }
}
