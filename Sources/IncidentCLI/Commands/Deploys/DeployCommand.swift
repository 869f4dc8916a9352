import ArgumentParser

extension IncidentCommand {
    struct DeployCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deploy",
            abstract: "Record deploys: which release of a service reached production, from which commit, how it ended.",
            discussion: """
                Deploys are the changes the report's four keys measure: deployment frequency, lead time for \
                changes (committed → deployed), change failure rate (deploys that ended failed or rolled-back, or \
                caused an incident) and time to restore (the TTR of those incidents). An incident names the \
                deploy that caused it with `incident edit ID --caused-by DEPLOY`; a real incident of a service \
                that starts soon after one of its deploys gets a note suggesting the link. GitHub's deployments \
                are imported with `incident import --format gh-deployments`.
                """,
            subcommands: [DeployRecord.self, DeployList.self, DeployShow.self])
    }
}
