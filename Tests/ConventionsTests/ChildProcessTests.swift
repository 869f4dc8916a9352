import Conventions
import Foundation
import TestSupport
import Testing

/// The one way processes are started: the supervised service and every process the tests run.
struct ChildProcessTests {
    @Test func theProgramGetsItsArgumentsEnvironmentDirectoryAndStreams() async throws {
        let directory = try TemporaryDirectory()
        try "from the input file\n".write(toFile: directory.path("in"), atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            "/bin/sh", ["-c", #"pwd; echo "$ONLY|${HOME:-no home}|$1"; cat; echo oops >&2; exit 3"#, "sh", "a b"],
            environment: ["ONLY": "this"], directory: directory.url.path, input: directory.path("in"),
            output: directory.path("out"), errors: directory.path("err"))
        #expect(await process.waitUntilExit() == 3)
        #expect(!process.terminatedBySignal)
        let output = try String(contentsOfFile: directory.path("out"), encoding: .utf8)
        let folder = try #require(realpath(directory.url.path, nil))
        defer { free(folder) }
        #expect(output == "\(String(cString: folder))\nthis|no home|a b\nfrom the input file\n")
        #expect(try String(contentsOfFile: directory.path("err"), encoding: .utf8) == "oops\n")
    }

    @Test func errorsFollowTheOutputAndAppendingKeepsWhatWasThere() async throws {
        let directory = try TemporaryDirectory()
        try "kept\n".write(toFile: directory.path("log"), atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            "/bin/sh", ["-c", "echo out; echo err >&2"], output: directory.path("log"), appending: true)
        #expect(await process.waitUntilExit() == 0)
        #expect(try String(contentsOfFile: directory.path("log"), encoding: .utf8) == "kept\nout\nerr\n")
    }

    @Test func aMissingProgramIsAnErrorNamingIt() {
        #expect(throws: SystemError.self) { try ChildProcess("/nonexistent/program") }
        do {
            _ = try ChildProcess("/nonexistent/program")
        } catch {
            #expect("\(error)" == "cannot start /nonexistent/program: No such file or directory")
        }
    }

    /// A program starts as from a shell even when this process ignores or blocks a signal, as the CLI does
    /// with SIGINT while it handles it: a supervised app must still stop on SIGINT.
    @Test func signalsHaveTheirDefaultDispositionsInTheProgram() async throws {
        let process = try ChildProcess("/bin/sh", ["-c", "sleep 30"], processGroup: true)
        try await Task.sleep(for: .milliseconds(100))
        process.send(SIGINT, toGroup: true)
        #expect(await process.waitUntilExit() == SIGINT)
        #expect(process.terminatedBySignal)
        let killed = try ChildProcess("/bin/sleep", ["30"])
        killed.killNow()
        #expect(killed.terminatedBySignal && killed.terminationStatus == SIGKILL && !killed.isRunning)
    }

    /// Foundation's `Process` crashed when tests spawned concurrently; this path must not.
    @Test func manyProcessesStartedAtOnceAllEndWithTheirOwnStatus() async throws {
        let statuses = try await withThrowingTaskGroup(of: (Int32, Int32).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let code = Int32(index % 50)
                    let process = try ChildProcess("/bin/sh", ["-c", "exit \(code)"], environment: [:])
                    return (code, await process.waitUntilExit())
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0.0 == $0.1 })
    }
}
