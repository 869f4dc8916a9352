import ArgumentParser
import FaultLab

/// `app`: the HTTP service that game days break on purpose (docs/contract.md, "The service").
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
