import ArgumentParser

/// `app`: the HTTP service that game days break on purpose (DESIGN.md §6).
@main
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "The HTTP service under test: notes API, health, metrics, JSON logs, built-in fault injection.",
        version: AppVersion.current,
        subcommands: [Serve.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )
}

/// sysexits codes the service ends with when it cannot start.
enum AppExit {
    static let usage = ExitCode(64)
    static let unavailable = ExitCode(69)
    static let cannotOpenData = ExitCode(74)
}
