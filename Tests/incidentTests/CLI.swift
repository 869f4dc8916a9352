import Foundation
import Synchronization
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
        database = directory.path("incidents.db")
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
    /// command line (such as `setpriv …`) runs the binary in its place. `onExit` runs when it has exited. It
    /// runs in the temporary directory unless `workingDirectory` says otherwise.
    func start(
        _ arguments: [String], environment extra: [String: String] = [:], wrapper: [String] = [],
        workingDirectory: URL? = nil, onExit: (@Sendable (Process) -> Void)? = nil
    ) throws -> (Process, URL, URL) {
        let process = Process()
        process.executableURL = wrapper.first.map(URL.init(fileURLWithPath:)) ?? Self.binary
        process.arguments = wrapper.isEmpty ? arguments : Array(wrapper.dropFirst()) + [Self.binary.path] + arguments
        process.environment = environment(extra)
        process.currentDirectoryURL = workingDirectory ?? directory.url
        let name = UUID().uuidString
        let out = directory.url.appendingPathComponent("\(name).out")
        let err = directory.url.appendingPathComponent("\(name).err")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = onExit
        try process.run()
        return (process, out, err)
    }

    @discardableResult
    func run(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> Result {
        try await run(arguments, environment: extra)
    }

    /// Runs the binary to completion. It waits through the termination handler: a blocking wait would hold one
    /// of the few threads that every test of this process shares, and starve the timing-sensitive ones.
    func run(
        _ arguments: [String], environment extra: [String: String] = [:], wrapper: [String] = [],
        workingDirectory: URL? = nil
    ) async throws -> Result {
        let (files, status, signalled) = try await withCheckedThrowingContinuation { continuation in
            let files = Mutex<(URL, URL)?>(nil)
            do {
                let started = try start(
                    arguments, environment: extra, wrapper: wrapper, workingDirectory: workingDirectory
                ) { process in
                    // The handler can run before `start` returns: wait for the file names.
                    while files.withLock({ $0 }) == nil { usleep(100) }
                    continuation.resume(
                        returning: (
                            files.withLock { $0! }, process.terminationStatus,
                            process.terminationReason == .uncaughtSignal
                        ))
                }
                files.withLock { $0 = (started.1, started.2) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        let stderr = try String(contentsOf: files.1, encoding: .utf8)
        return Result(
            status: status, stdout: try String(contentsOf: files.0, encoding: .utf8), stderr: stderr,
            crashed: signalled || stderr.contains("Fatal error") || stderr.contains("Stack dump"))
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
func waitForExit(_ process: Process) async {
    while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
}
