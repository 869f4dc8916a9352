import Foundation
import TestSupport
import Testing

/// A first command that is refused or interrupted leaves no database behind: the file is made by the first
/// write that commits.
@Suite(.disabled(if: TestPostgres.storesOnPostgres, "tests of SQLite files: the SQLite run covers them"))
struct FirstCommandTests {
    func leftovers(_ cli: CLI) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cli.directory.url.path).filter {
            $0.hasPrefix("incidents.db")
        }
    }

    @Test func anImportInterruptedMidwayLeavesNoDatabase() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "template", "--at", "-1h")
        let template = try #require(
            try JSONSerialization.jsonObject(with: Data(try await cli.run("export", "--format", "jsonl").stdout.utf8))
                as? [String: Any])
        try FileManager.default.removeItem(atPath: cli.database)
        let big = cli.directory.path("big.jsonl")
        _ = FileManager.default.createFile(atPath: big, contents: nil)
        let file = try #require(FileHandle(forWritingAtPath: big))
        for id in 1...20_000 {
            var record = template
            record["id"] = id
            record["timeline"] = (template["timeline"] as? [[String: Any]] ?? []).map { event in
                event.merging(["id": id, "incident_id": id]) { $1 }
            }
            file.write(try JSONSerialization.data(withJSONObject: record) + Data("\n".utf8))
        }
        try file.close()
        let (run, _, err) = try cli.start(["import", big])
        while run.isRunning && !FileManager.default.fileExists(atPath: cli.database) {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(run.processIdentifier, SIGINT)
        await waitForExit(run)
        #expect(run.terminationStatus == 130, "\((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        #expect(try leftovers(cli).isEmpty, "no database, no WAL")
    }

    @Test func aGameDayRefusedBeforeItsFirstStepLeavesNoDatabase() async throws {
        let cli = try CLI()
        let scenario = cli.directory.path("one.yaml")
        try "steps:\n  - fault: abort\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        let result = try await cli.run(
            ["gameday", "run", scenario, "--target", "http://127.0.0.1:1"], environment: ["APP_ADMIN_TOKEN": "t"])
        #expect(result.status == 69, "\(result.stderr)")
        #expect(try leftovers(cli).isEmpty)
    }

    @Test func aRefusedLifecycleStepLeavesNoDatabase() async throws {
        let cli = try CLI()
        let result = try await cli.run("resolve", "1", "--cause", "x")
        #expect(result.status == 66, "\(result.stderr)")
        #expect(try leftovers(cli).isEmpty)
    }
}
