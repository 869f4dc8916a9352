import Conventions
import Foundation
import TestSupport

/// Runs the built `incident` binary as a user would, on a database of its own.
struct CLI {
    /// The binary `swift test` built next to the test bundle (or `$INCIDENT_BINARY`).
    static let binary = builtProduct("incident", override: "INCIDENT_BINARY")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal or printed a Swift crash report.
        var crashed: Bool
    }

    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = try TestPostgres.store(in: directory)
    }

    /// The environment a user would have: a fixed author and time zone, no colour, and this CLI's database.
    func environment(_ extra: [String: String]) -> [String: String] {
        var environment = [
            "PATH": "/usr/bin:/bin", "HOME": directory.url.path, "TZ": "UTC", "NO_COLOR": "1",
            "INCIDENT_AUTHOR": "tester", "INCIDENT_DB": database,
        ]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts the binary and returns at once; output goes to files in the temporary directory. A `wrapper`
    /// command line (such as `setpriv …`) runs the binary in its place. It runs in the temporary directory
    /// unless `workingDirectory` says otherwise.
    func start(
        _ arguments: [String], environment extra: [String: String] = [:], wrapper: [String] = [],
        workingDirectory: URL? = nil
    ) throws -> (ChildProcess, URL, URL) {
        let name = UUID().uuidString
        let out = directory.url.appendingPathComponent("\(name).out")
        let err = directory.url.appendingPathComponent("\(name).err")
        let process = try ChildProcess(
            wrapper.first ?? Self.binary.path,
            wrapper.isEmpty ? arguments : Array(wrapper.dropFirst()) + [Self.binary.path] + arguments,
            environment: environment(extra), directory: (workingDirectory ?? directory.url).path,
            output: out.path, errors: err.path)
        return (process, out, err)
    }

    @discardableResult
    func run(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> Result {
        try await run(arguments, environment: extra)
    }

    /// Runs the binary to completion, waiting without holding one of the few threads every test shares.
    func run(
        _ arguments: [String], environment extra: [String: String] = [:], wrapper: [String] = [],
        workingDirectory: URL? = nil
    ) async throws -> Result {
        let (process, out, err) = try start(
            arguments, environment: extra, wrapper: wrapper, workingDirectory: workingDirectory)
        let status = await process.waitUntilExit()
        let stderr = try String(contentsOf: err, encoding: .utf8)
        return Result(
            status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: stderr,
            crashed: process.terminatedBySignal || stderr.contains("Fatal error") || stderr.contains("Stack dump"))
    }

    /// Runs a command that prints JSON and decodes it.
    func json(_ arguments: String...) async throws -> Any {
        try await json(arguments)
    }

    func json(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Any {
        let result = try await run(arguments + ["--json"], environment: extra)
        guard result.status == 0 else { throw CLIError(result: result) }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
    }

    struct CLIError: Error, CustomStringConvertible {
        var result: Result
        var description: String { "exit \(result.status): \(result.stderr)" }
    }
}

/// Waits until `process` has exited without holding a thread: tests share a few, and a blocked one starves
/// the timing-sensitive tests running beside it.
func waitForExit(_ process: ChildProcess) async {
    await process.waitUntilExit()
}
