import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DecisionShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a decision record; --markdown writes it as an ADR.")

        @Argument(help: "The decision id.")
        var id: Int64

        @Flag(help: "Print it as a markdown ADR.")
        var markdown = false

        @Flag(help: "Print it as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if markdown && json { throw ValidationError("--markdown and --json cannot be used together; choose one") }
        }

        func run() async throws {
            let decision = try await database.reading().decision(id)
            if json { return try Output.json(decision) }
            if markdown { return print(decision.markdown, terminator: "") }
            print(
                Output.colored("ADR \(id): \(Output.printable(decision.title))", "1")
                    + "  [\(decision.status.rawValue)]")
            var facts = [
                ["decided", "\(decision.decidedAt) by \(Output.printable(decision.author))"],
                ["revisit", decision.revisit ?? "-"],
                [
                    "incidents",
                    decision.incidents.isEmpty ? "-" : decision.incidents.map { "#\($0)" }.joined(separator: " "),
                ],
                ["SLOs", decision.slos.isEmpty ? "-" : decision.slos.joined(separator: " ")],
            ]
            if let by = decision.supersededBy {
                facts.append(["superseded", "by #\(by) at \(decision.supersededAt!)"])
            }
            if !decision.supersedes.isEmpty {
                facts.append(["supersedes", decision.supersedes.map { "#\($0)" }.joined(separator: " ")])
            }
            Output.table(header: ["", ""], rows: facts)
            print("\n" + Output.colored("context", "1") + "\n" + Output.printable(decision.context, keepNewlines: true))
            print("\n" + Output.colored("options", "1"))
            Output.table(
                header: ["#", "option", "time", "cost", "reliability"],
                rows: decision.options.enumerated().map { index, option in
                    [
                        String(index + 1) + (index + 1 == decision.chosen ? "*" : ""), option.name, option.time,
                        option.cost, option.reliability,
                    ].map { Output.printable($0) }
                })
            print(
                "\n" + Output.colored("decision", "1") + "\noption \(decision.chosen), "
                    + "\(Output.printable(decision.choice.name)), because: "
                    + Output.printable(decision.rationale, keepNewlines: true))
            if !decision.consequences.isEmpty {
                print("\n" + Output.colored("consequences", "1"))
                for consequence in decision.consequences { print("- " + Output.printable(consequence)) }
            }
        }
    }
}
