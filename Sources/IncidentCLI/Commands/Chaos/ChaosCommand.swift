import ArgumentParser

extension IncidentCommand {
    struct ChaosCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chaos",
            abstract:
                "Continuous chaos within the error budget: random faults at random times, stopped before users pay.",
            subcommands: [ChaosRun.self, ChaosStatus.self])
    }
}
