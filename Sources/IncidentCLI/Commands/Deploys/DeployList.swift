import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DeployList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List deploys, newest first.")

        @Option(help: ArgumentHelp("Only deploys of services matching this glob (app, 'ci/*').", valueName: "glob"))
        var service: String?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Only deploys at or after this time: \(TimeInput.help).", valueName: "time"))
        var since: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Only deploys before this time.", valueName: "time"))
        var until: String?

        @Flag(help: "Print them as a JSON array.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let now = Timestamp.now
            let filter = DeployFilter(
                service: service, since: try since.map { try TimeInput.parse($0, now: now) },
                until: try until.map { try TimeInput.parse($0, now: now) })
            try TimeInput.requireWindow(since: filter.since, until: filter.until)
            let deploys = try await database.reading().deploys(filter)
            if json { return try Output.json(deploys) }
            Output.table(
                header: ["id", "deployed (UTC)", "service", "version", "commit", "result", "strategy", "lead time"],
                rows: deploys.map { deploy in
                    [
                        String(deploy.id!), deploy.deployedAt.description, deploy.service,
                        Output.printable(deploy.version), deploy.commitSha.map { String($0.prefix(7)) } ?? "-",
                        deploy.result.rawValue, deploy.strategy ?? "-", DurationText.human(deploy.leadTime),
                    ]
                })
        }
    }
}
