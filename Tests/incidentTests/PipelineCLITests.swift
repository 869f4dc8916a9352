import Foundation
import TestSupport
import Testing

/// CI pipelines as incidents, end to end: `import --format gh-runs`, `ci record`, and the reports on them.
struct PipelineCLITests {
    /// Runs start two hours before the test, so that none lies in the future.
    let start = Date().addingTimeInterval(-7200)

    func write(_ list: RunList, in cli: CLI, as name: String = "runs.json") throws -> String {
        let file = cli.directory.path(name)
        try list.data.write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func importedStreaksAreIncidentsAndAnOverlappingImportEndsTheOpenOnes() async throws {
        let cli = try CLI()
        var list = RunList(start: start)
        list.add(1, "success", created: 0, finished: 5)
        list.add(2, "failure", created: 10, finished: 15, title: "Break the cart")
        list.add(3, "failure", created: 20, finished: 26, workflow: "Lint")
        list.add(4, "", created: 30, finished: 31, status: "in_progress")
        let file = try write(list, in: cli)
        let first = try await cli.run("import", "--format", "gh-runs", file)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout == """
                read 3 finished run(s) of 2 pipeline(s) (workflow and branch) from \(file); 1 unfinished run(s) ignored
                opened #1, #2; still failing #1, #2

                """)

        list.runs[3]["status"] = "completed"
        list.runs[3]["conclusion"] = "success"
        list.add(5, "success", created: 35, finished: 40, workflow: "Lint")
        let second = try await cli.run("import", "--format", "gh-runs", write(list, in: cli, as: "later.json"))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\nresolved #1, #2\nskipped 2 run(s) recorded before and 1 run(s) older"))

        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect(shown["service"] as? String == "ci/ci" && shown["detection"] as? String == "pipeline")
        #expect(shown["title"] as? String == "CI failed on main: Break the cart")
        #expect(shown["cause"] as? String == "pipeline CI failed on main (cause not yet recorded)")
        #expect((shown["durations"] as? [String: Any])?["ttr_s"] as? Double == 1260, "time to green: 21 minutes")
        let timeline = try #require(shown["timeline"] as? [[String: Any]])
        #expect(
            timeline.compactMap { $0["kind"] as? String == "pipeline_run" ? $0["text"] as? String : nil }.map {
                String($0.prefix(30))
            } == ["run 2 attempt 1: failure (push", "run 4 attempt 1: success (push"])

        let again = try await cli.run("import", "--format", "gh-runs", file)
        #expect(again.status == 0 && !again.stdout.contains("opened") && !again.stdout.contains("resolved"))
    }

    @Test func reportsAndListsSelectPipelinesByAGlobAndCallTTRTimeToGreen() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "Checkout returns 502", "--at", "-3h")
        var list = RunList(start: start)
        list.add(1, "failure", created: 0, finished: 5)
        list.add(2, "success", created: 6, finished: 20)
        list.add(3, "startup_failure", created: 0, finished: 1, workflow: "Release")
        list.add(4, "success", created: 2, finished: 11, workflow: "Release")
        try await expectSuccess(cli, "import", "--format", "gh-runs", write(list, in: cli))

        let listed = try #require(try await cli.json("list", "--service", "ci/*") as? [[String: Any]])
        #expect(listed.compactMap { $0["service"] as? String } == ["ci/ci", "ci/release"])
        #expect((try await cli.json("list", "--service", "CI/Release") as? [Any])?.count == 1)
        #expect((try await cli.json("list", "--service", "app") as? [Any])?.count == 1)

        let report = try #require(try await cli.json("report", "--service", "ci/*") as? [String: Any])
        let ttr = try #require(
            ((report["overall"] as? [String: Any])?["all"] as? [String: Any])?["ttr"] as? [String: Any])
        #expect(ttr["n"] as? Int == 2 && ttr["max_s"] as? Double == 1200 && ttr["median_s"] as? Double == 930)
        let services = ((report["breakdowns"] as? [String: Any])?["service"] as? [[String: Any]])?.compactMap {
            $0["key"] as? String
        }
        #expect(Set(services ?? []) == ["ci/ci", "ci/release"])
        let definitions = try #require(report["definitions"] as? [[String: String]])
        #expect(definitions.contains { $0["name"] == "TTR" && $0["meaning"]?.contains("time to green") == true })
        let text = try await cli.run("report", "--service", "ci/*", "--markdown")
        #expect(text.stdout.contains("| ci/ci |") && text.stdout.contains("| pipeline |"), "\(text.stdout)")
    }

    @Test func exportAndImportCarryTheRunsSoALaterImportStillEndsTheStreak() async throws {
        let cli = try CLI()
        var list = RunList(start: start)
        list.add(1, "failure", created: 0, finished: 5)
        try await expectSuccess(cli, "import", "--format", "gh-runs", write(list, in: cli))
        let export = cli.directory.path("export.jsonl")
        try await expectSuccess(cli, "export", "--output", export)
        let restored = cli.directory.path("restored.db")
        try await expectSuccess(cli, "import", export, "--db", restored)

        list.add(2, "success", created: 6, finished: 9)
        let later = try await cli.run("import", "--format", "gh-runs", write(list, in: cli), "--db", restored)
        #expect(
            later.stdout.contains("resolved #1\nskipped 1 run(s) recorded before"), "\(later.stdout)\(later.stderr)")
    }

    @Test func aDryRunChecksAndStandardInputIsRead() async throws {
        let cli = try CLI()
        var list = RunList(start: start)
        list.add(1, "failure", created: 0, finished: 5)
        list.add(2, "", created: 6, finished: 7, status: "queued")
        let file = try write(list, in: cli)
        let dry = try await cli.run("import", "--format", "gh-runs", file, "--dry-run")
        #expect(
            dry.stdout
                == "dry run: \(file) hold 1 finished run(s) of 1 pipeline(s) (workflow and branch); 1 unfinished "
                + "run(s) ignored\n")
        #expect(!FileManager.default.fileExists(atPath: cli.database), "a dry run creates nothing")
        let piped = try await cli.run(
            ["import", "--format", "gh-runs", "-"], wrapper: ["/bin/sh", "-c", #"exec "$0" "$@" < runs.json"#])
        #expect(piped.status == 0 && piped.stdout.contains("opened #1"), "\(piped.stderr)")
    }

    @Test func badInputIsRefusedWithTheRunNamedAndNothingImported() async throws {
        let cli = try CLI()
        var list = RunList(start: start)
        list.add(1, "failure", created: 0, finished: 5)
        list.add(2, "success", created: 6, finished: 9)
        list.runs[1]["updatedAt"] = "soon"
        let result = try await cli.run("import", "--format", "gh-runs", write(list, in: cli))
        #expect(result.status == 65)
        #expect(result.stderr.contains("has 1 bad run(s); nothing was imported"))
        #expect(result.stderr.contains("run 1 (id 2): updatedAt 'soon' is not an RFC 3339 time"))
        #expect(!FileManager.default.fileExists(atPath: cli.database), "no database left behind")

        let export = cli.directory.path("export.jsonl")
        try "{\"id\": 1}\n".write(toFile: export, atomically: true, encoding: .utf8)
        let notGh = try await cli.run("import", "--format", "gh-runs", export)
        #expect(notGh.status == 65 && notGh.stderr.contains("is not a JSON array of runs"))
        #expect(try await cli.run("import", "--format", "gh-runs", cli.directory.path("missing.json")).status == 66)
    }

    /// The environment of a GitHub Actions job of run `id`.
    func actions(_ id: Int, attempt: Int = 1, branch: String = "main") -> [String: String] {
        [
            "GITHUB_WORKFLOW": "CI", "GITHUB_RUN_ID": String(id), "GITHUB_RUN_ATTEMPT": String(attempt),
            "GITHUB_REF_NAME": branch, "GITHUB_SHA": "0123456789abcdef", "GITHUB_EVENT_NAME": "push",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop",
        ]
    }

    @Test func ciRecordKeepsTheBooksLive() async throws {
        let cli = try CLI()
        func record(_ id: Int, _ result: String, _ extra: String..., attempt: Int = 1) async throws -> String {
            let outcome = try await cli.run(
                ["ci", "record", "--result", result] + extra, environment: actions(id, attempt: attempt))
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stdout
        }
        #expect(try await record(10, "success") == "nothing to record: CI on main has no failing streak open\n")
        #expect(
            try await record(11, "failure", "--started-at", "-10m", "--title", "[gameday] a failing test")
                == "opened incident #1: CI on main is failing (run 11 attempt 1)\n")
        #expect(try await record(11, "failure") == "run 11 attempt 1 was recorded before, on incident #1\n")
        #expect(
            try await record(12, "cancelled")
                == "added run 12 (cancelled) to incident #1: CI on main is still failing\n")
        #expect(try await record(11, "success", attempt: 2) == "resolved incident #1: CI on main is green again\n")

        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect(shown["kind"] as? String == "injected" && shown["status"] as? String == "resolved")
        #expect(shown["fault"] as? String == "other: pipeline game day: [gameday] a failing test")
        let ttd = try #require((shown["durations"] as? [String: Any])?["ttd_s"] as? Double)
        #expect(abs(ttd - 600) < 30, "from --started-at to the failure")

        var list = RunList(start: Date().addingTimeInterval(-3600))
        list.add(11, "success", created: 0, finished: 1, attempt: 2)
        let imported = try await cli.run("import", "--format", "gh-runs", write(list, in: cli))
        #expect(imported.stdout.contains("skipped 1 run(s) recorded before"), "the same run, live then imported")
    }

    @Test func ciRecordNamesTheMissingVariables() async throws {
        let cli = try CLI()
        var environment = actions(1)
        environment["GITHUB_RUN_ID"] = nil
        environment["GITHUB_REPOSITORY"] = ""
        let result = try await cli.run(["ci", "record", "--result", "failure"], environment: environment)
        #expect(result.status == 64)
        #expect(result.stderr.contains("GITHUB_RUN_ID, GITHUB_REPOSITORY are not set"), "\(result.stderr)")
        #expect(try await cli.run(["ci", "record", "--result", "failed"], environment: actions(1)).status == 64)
        #expect(!FileManager.default.fileExists(atPath: cli.database))
    }
}
