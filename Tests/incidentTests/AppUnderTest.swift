import Conventions
import Foundation
import LabHTTP
import TestSupport

/// The built `app` on a loopback port, for the game-day commands to break: started with an admin token
/// and a data file of its own, stopped (and restartable on the same port) by the test.
final class AppUnderTest: @unchecked Sendable {
    static let binary = builtProduct("app", override: "APP_BINARY")
    static let token = "game-day-test-token-0123456789"

    let directory: TemporaryDirectory
    private(set) var process: ChildProcess?
    private(set) var port = 0

    init() async throws {
        directory = try TemporaryDirectory()
        try await start(port: 0)
    }

    deinit {
        process?.killNow()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The environment the CLI needs to talk to this app.
    var cliEnvironment: [String: String] { ["APP_ADMIN_TOKEN": Self.token, "INCIDENT_TARGET": url] }

    /// The command line that starts this app on its port, for `gameday run --supervise`.
    var command: String {
        "APP_ADMIN_TOKEN=\(Self.token) APP_PORT=\(port) APP_DATA=\(directory.path("app.db")) APP_DRAIN_DELAY_S=0 "
            + Self.binary.path
    }

    /// Starts the app on `port` (0: any free one) and waits until it listens.
    func start(port requested: Int) async throws {
        let log = directory.url.appendingPathComponent("app-\(UUID().uuidString).log")
        let process = try ChildProcess(
            Self.binary.path, [],
            environment: [
                "PATH": "/usr/bin:/bin", "APP_PORT": String(requested), "APP_DATA": directory.path("app.db"),
                "APP_ADMIN_TOKEN": Self.token, "APP_DRAIN_DELAY_S": "0",
            ], output: log.path)
        self.process = process
        for _ in 0..<400 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains(#""message":"listening""#) }),
                let range = line.range(of: #""port":"#)
            {
                port = Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
                return
            }
            guard process.isRunning else { break }
            await pause(seconds: 0.05)
        }
        throw CLI.CLIError(result: .init(status: -1, stdout: "", stderr: "app did not listen", crashed: false))
    }

    /// Stops the app with SIGKILL and waits for it, as a crash would leave it.
    func kill() async {
        process?.send(SIGKILL)
        await process?.waitUntilExit()
    }

    /// The faults in force, as the admin API lists them.
    func faults() throws -> [[String: Any]] {
        let answer = try HTTPClient().send(
            HTTPRequest(headers: [("Authorization", "Bearer \(Self.token)")]), to: url + "/admin/faults")
        let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        return object?["faults"] as? [[String: Any]] ?? []
    }
}
