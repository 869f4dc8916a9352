import ArgumentParser

extension IncidentCommand {
    struct SLOCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "slo",
            abstract: "Service level objectives as code: Prometheus rules from OpenSLO files, and error budgets.",
            subcommands: [SLORulesCommand.self, SLOStatusCommand.self])
    }
}
