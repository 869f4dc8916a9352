import ArgumentParser

extension IncidentCommand {
    struct GameDayCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gameday",
            abstract: "Play game days: break the app fault after fault, and score how each was detected.",
            subcommands: [GameDayRun.self])
    }
}
