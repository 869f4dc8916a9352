import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct DeployRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record one deploy, from a pipeline or by hand.",
            discussion: """
                --at is when the release finished reaching production (or was given up on); --committed-at is \
                when its commit was made, the start of its lead time. Times accept \(TimeInput.help).

                Examples:
                  incident deploy record --service app --version 1.4.2 \\
                    --commit "$(git rev-parse HEAD)" \\
                    --committed-at "$(git show -s --format=%cI HEAD)" --strategy rolling
                  incident deploy record --version 1.4.3 --result rolled-back \\
                    --notes "canary: 5xx 4.1% over 1%" -q
                """)

        @Option(help: ArgumentHelp("The service deployed.", valueName: "name"))
        var service = "app"

        @Option(help: ArgumentHelp("The release, as the service reports it.", valueName: "version"))
        var version: String

        @Option(help: ArgumentHelp("The commit the release was built from (its full or short id).", valueName: "sha"))
        var commit: String?

        @Option(
            name: .customLong("committed-at"), parsing: .unconditional,
            help: ArgumentHelp("When that commit was made.", valueName: "time"))
        var committedAt: String?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("When the deploy finished: \(TimeInput.help) (default: now).", valueName: "time"))
        var at: String?

        @Option(help: "How it ended: succeeded, failed or rolled-back.")
        var result = DeployResult.succeeded

        @Option(help: ArgumentHelp("How it was rolled out: rolling, canary, manual… (one word).", valueName: "word"))
        var strategy: String?

        @Option(help: ArgumentHelp("Why it ended as it did, or anything worth keeping.", valueName: "text"))
        var notes: String?

        @OptionGroup var output: NewRecordOutput
        @OptionGroup var options: WriteOptions

        func run() async throws {
            let draft = Deploy(
                service: service, version: version, commitSha: commit, committedAt: try committedAt.map(options.time),
                deployedAt: try options.time(at), result: result, strategy: strategy, notes: notes,
                author: options.author.name, recordedAt: options.now)
            let now = options.now
            let detail = try await options.database.writing { store in try await store.recordDeploy(draft, now: now) }
            let deploy = detail.deploy
            try output.print(id: deploy.id!, detail) {
                let lead = deploy.leadTime.map { "; lead time \(DurationText.human($0))" } ?? ""
                print(
                    "recorded deploy #\(deploy.id!): \(deploy.service) \(Output.printable(deploy.version)) "
                        + "\(deploy.result.rawValue) at \(deploy.deployedAt)\(lead)")
            }
        }
    }
}
