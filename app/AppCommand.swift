import ArgumentParser
import FaultLab

/// `app`: the HTTP service that game days break on purpose (docs/contract.md, "The service").
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "The HTTP service under test: notes API, health, metrics, JSON logs, built-in fault injection.",
        version: AppVersion.current,
        subcommands: [Serve.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )
}

/// Runs `app`: its executable and the container image's multi-call binary.
public enum AppMain {
    /// Parses the process's arguments, runs the subcommand (`serve` by default) and exits with its status.
    public static func main() async { await AppCommand.main() }
}
