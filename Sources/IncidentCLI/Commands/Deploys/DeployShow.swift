import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DeployShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one deploy and the incidents recorded as caused by it.")

        @Argument(help: "The deploy id.")
        var id: Int64

        @Flag(help: "Print it as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let detail = try await database.reading().deploy(id)
            if json { return try Output.json(detail) }
            let deploy = detail.deploy
            print(
                Output.colored("deploy #\(id): \(deploy.service) \(Output.printable(deploy.version))", "1")
                    + "  [\(deploy.result.rawValue)]")
            Output.table(
                header: ["", ""],
                rows: [
                    ["deployed", deploy.deployedAt.description],
                    ["commit", deploy.commitSha ?? "-"],
                    ["committed", deploy.committedAt?.description ?? "-"],
                    ["lead time", DurationText.human(deploy.leadTime)],
                    ["strategy", deploy.strategy ?? "-"],
                    ["source", deploy.source.map { Output.printable($0) } ?? "-"],
                    ["recorded", "\(deploy.recordedAt) by \(Output.printable(deploy.author))"],
                ])
            if let notes = deploy.notes {
                print("\n" + Output.colored("notes", "1") + "\n" + Output.printable(notes, keepNewlines: true))
            }
            print("\n" + Output.colored("incidents caused", "1"))
            guard !detail.incidents.isEmpty else { return print("none recorded") }
            Output.table(
                header: ["id", "status", "started (UTC)", "TTR", "title"],
                rows: detail.incidents.map {
                    [
                        "#\($0.id)", $0.status.rawValue, $0.startedAt.description, DurationText.human($0.ttrS),
                        Output.printable($0.title),
                    ]
                })
        }
    }
}
