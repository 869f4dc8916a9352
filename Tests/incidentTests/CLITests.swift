import Conventions
import Foundation
import TestSupport
import Testing

struct WalkThroughTests {
    @Test func anIncidentFromOpenToResolveAsAUserRecordsIt() async throws {
        let cli = try CLI()
        let opened = try await cli.run(
            "open", "Checkout returns 502", "--severity", "sev2", "--at", "2026-11-28 10:00",
            "-q")
        #expect(opened.status == 0 && opened.stdout == "1\n")
        #expect(
            try await cli.run("detect", "1", "--via", "alert:HighErrorRate", "--at", "2026-11-28T10:03:00Z").status == 0
        )
        #expect(try await cli.run("ack", "1", "--by", "alice", "--at", "2026-11-28 10:04:30").status == 0)
        #expect(try await cli.run("note", "1", "rolled back to v1.4.2", "--at", "2026-11-28 10:08").status == 0)
        #expect(try await cli.run("mitigate", "1", "--at", "2026-11-28T11:10:00+01:00").status == 0)
        let resolved = try await cli.run(
            "resolve", "1", "--cause", "pool exhausted", "--category", "capacity",
            "--fix", "raised the pool", "--prevent", "load test", "--prevent", "pool alert",
            "--at", "2026-11-28 10:30", "--author", "bob")
        #expect(resolved.status == 0)
        #expect(resolved.stdout.contains("#1 [resolved] Checkout returns 502"))

        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect(shown["status"] as? String == "resolved")
        #expect(shown["started_at"] as? String == "2026-11-28T10:00:00Z")
        #expect(shown["detection"] as? String == "alert:HighErrorRate")
        #expect(shown["cause_category"] as? String == "capacity")
        #expect(shown.keys.contains("summary") && shown["summary"] is NSNull, "unset fields are explicit nulls")
        let durations = try #require(shown["durations"] as? [String: Double])
        #expect(durations == ["ttd_s": 180, "tta_s": 90, "ttr_s": 600, "ttc_s": 1800])
        let timeline = try #require(shown["timeline"] as? [[String: Any]])
        #expect(
            timeline.compactMap { $0["kind"] as? String } == [
                "opened", "detected", "acknowledged", "note", "mitigated", "resolved", "action_added", "action_added",
            ])
        #expect(
            timeline.compactMap { $0["author"] as? String } == Array(repeating: "tester", count: 5)
                + Array(repeating: "bob", count: 3), "--author wins over $INCIDENT_AUTHOR")
        let actions = try #require(shown["actions"] as? [[String: Any]])
        #expect(actions.compactMap { $0["title"] as? String } == ["load test", "pool alert"])

        let listed = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(listed.count == 1 && listed[0]["status"] as? String == "resolved")
        #expect(try await cli.run("action", "done", "1").status == 0)
        let open = try #require(try await cli.json("action", "list", "--open") as? [[String: Any]])
        #expect(open.compactMap { $0["id"] as? Int } == [2])
    }

    @Test func humanOutputIsATableWithDurations() async throws {
        let cli = try CLI()
        try await cli.run("open", "Latency spike", "--at", "2026-11-28 10:00", "--fault", "latency ms=800")
        try await cli.run("detect", "1", "--at", "2026-11-28 10:02:05", "--via", "probe")
        let list = try await cli.run("list")
        let lines = list.stdout.split(separator: "\n")
        #expect(
            lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                == ["id", "status", "sev", "service", "age", "ttd", "ttr", "title"])
        #expect(lines.count == 2)
        #expect(lines[1].contains("detected") && lines[1].contains("2m05s") && lines[1].hasSuffix("Latency spike"))
        #expect(!list.stdout.contains("\u{1B}["), "no colour without a terminal")
        let show = try await cli.run("show", "1")
        #expect(show.stdout.contains("injected (latency ms=800 jitter_ms=0)") && show.stdout.contains("TTD 2m05s"))
    }

    /// Every command and subcommand that `--help` lists, found by walking the SUBCOMMANDS sections.
    static func commands(under parent: [String], cli: CLI) async throws -> [[String]] {
        let help = try await cli.run(parent + ["--help"]).stdout
        guard let section = help.range(of: "SUBCOMMANDS:\n") else { return [parent] }
        // A name starts its line two spaces in; deeper lines continue the abstract above them.
        let names = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
            .filter { !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "help" }
        try #require(parent.count < 3, "commands nest two deep at most: \(parent)")
        var found: [[String]] = parent.isEmpty ? [] : [parent]
        for name in names { found += try await commands(under: parent + [name], cli: cli) }
        return found
    }

    @Test func everyCommandExplainsItself() async throws {
        let cli = try CLI()
        let commands = try await Self.commands(under: [], cli: cli)
        #expect(commands.contains(["decision", "add"]) && commands.contains(["slo", "status"]), "\(commands)")
        for command in commands {
            let help = try await cli.run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("OVERVIEW:") && help.stdout.contains("USAGE: incident \(command[0])"))
            // Prose is wrapped by the parser, not by hand: a hand-made break leaves a short line followed by
            // the rest of its sentence. Examples are not wrapped at all: each line stays indented.
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            var inExamples = false
            for (line, next) in zip(lines, lines.dropFirst()) {
                if line.count < 40 && !line.hasPrefix(" ") && next.first?.isLowercase == true && !inExamples {
                    Issue.record("\(command) --help breaks a sentence by hand: \"\(line)\" / \"\(next)\"")
                }
                inExamples = line.hasPrefix("Example") || (inExamples && !line.isEmpty)
                if inExamples && !next.isEmpty && !next.hasPrefix("  ") {
                    Issue.record("\(command) --help has an example line too long for 80 columns: \"\(next)\"")
                }
            }
        }
        #expect(try await cli.run("--help").stdout.contains("Exit status"))
    }
}

struct BadInputTests {
    /// Opens one incident started at 10:00 UTC, then checks that `arguments` exits with `status`, says
    /// `words`, does not crash, and leaves the database's contents as they were.
    func expectRefusal(
        _ status: Int32, _ words: String, _ arguments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let cli = try CLI()
        try await cli.run("open", "Checkout returns 502", "--at", "2026-11-28 10:00")
        try await cli.run("resolve", "1", "--cause", "bad deploy", "--at", "2026-11-28 10:30", "--prevent", "canary")
        try await cli.run("action", "done", "1")
        try await cli.run("open", "Noise", "--at", "2026-11-28 10:00")
        try await cli.run("cancel", "2", "--reason", "false alarm")
        let before = try databaseContents(cli.database)
        let result = try await cli.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(words), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.crashed, sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("s3cret"), "a password is never echoed", sourceLocation: sourceLocation)
        #expect(try databaseContents(cli.database) == before, sourceLocation: sourceLocation)
    }

    @Test(
        arguments: [
            (Int32(66), "no incident #9", ["detect", "9"]),
            (66, "no incident #9", ["show", "9"]),
            (66, "no action item #9", ["action", "done", "9"]),
            (64, "cannot read the time 'half past ten'", ["open", "x", "--at", "half past ten"]),
            (64, "cannot read the time", ["list", "--since", "12:99"]),
            (64, "sev9", ["open", "x", "--severity", "sev9"]),
            (64, "kind", ["open", "x", "--kind", "fake"]),
            (64, "title is empty", ["open", ""]),
            (64, "Missing expected argument '--cause <text>'", ["resolve", "1"]),
            (64, "unknown detection 'pager'", ["detect", "1", "--via", "pager"]),
            (64, "not a day", ["action", "add", "1", "x", "--due", "next week"]),
            (65, "already resolved at 2026-11-28T10:30:00Z", ["resolve", "1", "--cause", "again"]),
            (65, "is cancelled (false alarm)", ["resolve", "2", "--cause", "x"]),
            (65, "before the started time 2026-11-28T10:00:00Z", ["edit", "1", "--detected-at", "2026-11-28 09:59"]),
            (65, "more than 5 minutes after now", ["open", "x", "--at", "+10m"]),
            (65, "before the started time", ["detect", "1", "--at", "2026-11-28 09:00"]),
            (65, "was already done", ["action", "done", "1"]),
            (64, "--db is empty", ["open", "x", "--db", ""]),
            (69, "cannot reach PostgreSQL", ["open", "x", "--db", "postgres://eve:s3cret@127.0.0.1:1/incidents"]),
            (69, "cannot reach PostgreSQL", ["list", "--db", "POSTGRESQL://eve:s3cret@127.0.0.1:1/x"]),
            (
                64, "the author is 300 bytes, more than the 200 allowed",
                ["note", "1", "x", "--author", String(repeating: "a", count: 300)]
            ),
            (64, "the author contains a control character", ["note", "1", "x", "--author", "eve\u{1B}[2J"]),
            (64, "the target 'banana' is not an http:// URL", ["watch", "--target", "banana"]),
            (64, "the target 'banana' is not an http:// URL", ["watch", "--per-replica", "--replica", "banana"]),
            (64, "--replica is for --per-replica", ["watch", "--replica", "http://127.0.0.1:1"]),
            (69, "kill is a fault from outside the app, which the lab's keeper plays", ["inject", "kill"]),
            (64, "field 'replica' must be a replica's number", ["inject", "pause", "replica=9", "--lab", "http://x"]),
            (
                64, "field 'replica' must be a replica's number",
                ["inject", "kill", "--replica", "0", "--lab", "http://x"]
            ),
            (
                64, "parameter 'replica' is given twice",
                ["inject", "kill", "replica=1", "--replica", "2", "--lab", "http://x"]
            ),
            (64, "field 'replica' does not apply to a db_down fault", ["inject", "db_down", "--replica", "1"]),
        ] as [(Int32, String, [String])])
    func badInputIsRefusedWithItsExitCode(status: Int32, words: String, arguments: [String]) async throws {
        try await expectRefusal(status, words, arguments)
    }

    @Test func theAuthorFallsBackToTheUserName() async throws {
        let cli = try CLI()
        try await cli.run("open", "x", environment: ["INCIDENT_AUTHOR": "", "USER": "someone", "HOME": "/nonexistent"])
        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        let timeline = try #require(shown["timeline"] as? [[String: Any]])
        #expect(timeline.first?["author"] as? String == "someone")
    }

    @Test func localTimesFollowTZ() async throws {
        let cli = try CLI()
        try await cli.run("open", "x", "--at", "2026-11-28 10:00", environment: ["TZ": "Europe/Paris"])
        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect(shown["started_at"] as? String == "2026-11-28T09:00:00Z")
    }

    @Test func hostileTextIsStoredExactlyAndShownHarmlessly() async throws {
        let cli = try CLI()
        let title =
            "'); DROP TABLE incident;-- \u{1B}[31mred\u{1B}[0m | `x` <script> 🔥 שלום\nsecond line "
            + String(repeating: "é", count: 30_000)
        #expect(try await cli.run("open", title).status == 0)
        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        let same = shown["title"] as? String == title
        #expect(same, "the JSON title is the title given")
        let table = try await cli.run("list").stdout
        #expect(!table.contains("\u{1B}"), "escape sequences from user text never reach the terminal")
        #expect(table.split(separator: "\n").count == 2, "a newline in a title does not break the table")
        let tooLong = try await cli.run("open", String(repeating: "x", count: 70_000))
        #expect(tooLong.status == 64 && tooLong.stderr.contains("more than the 65536 allowed"))
        for document in [["postmortem", "1"], ["report", "--markdown"]] {
            let markdown = try await cli.run(document).stdout
            #expect(
                !markdown.contains("\u{1B}") && markdown.contains("\u{241B}\\[31mred"), "\(document): ESC shown as ␛")
        }
    }
}

@Suite(.disabled(if: TestPostgres.storesOnPostgres, "tests of SQLite files: the SQLite run covers them"))
struct DatabaseFileTests {
    @Test func aFileThatIsNotADatabaseIsRefusedWithoutACrash() async throws {
        let cli = try CLI()
        let text = String(repeating: "this is not a database. ", count: 100)
        try Data(text.utf8).write(to: URL(fileURLWithPath: cli.database))
        for arguments in [["list"], ["open", "x"], ["db", "check"], ["show", "1"]] {
            let result = try await cli.run(arguments)
            #expect(result.status == 74, "\(arguments)")
            #expect(result.stderr.contains("not an incident database or is corrupt"))
            #expect(!result.crashed)
        }
        #expect(try String(contentsOfFile: cli.database, encoding: .utf8) == text)
    }

    @Test func aNewerSchemaIsRefusedAndTheFileIsUntouched() async throws {
        let cli = try CLI()
        try await cli.run("open", "x")
        try await cli.run("db", "backup", cli.directory.path("newer.db"))
        let newer = cli.directory.path("newer.db")
        try recordUnknownMigration(newer)
        let before = try Data(contentsOf: URL(fileURLWithPath: newer))
        let result = try await cli.run("open", "y", "--db", newer)
        #expect(result.status == 74 && result.stderr.contains("newer version of incident"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: newer)) == before)
    }

    @Test(arguments: [["detect", "1"], ["open", ""], ["action", "add", "3", "x"], ["import", "/nonexistent.jsonl"]])
    func aRefusedFirstCommandLeavesNoDatabaseBehind(arguments: [String]) async throws {
        let cli = try CLI()
        let result = try await cli.run(arguments)
        #expect(result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: cli.database), "\(arguments) left \(cli.database)")
        #expect(!FileManager.default.fileExists(atPath: cli.database + "-wal"))
    }

    @Test func theDatabaseMayBeNamedBeforeTheSubcommand() async throws {
        let cli = try CLI()
        let other = cli.directory.path("other.db")
        #expect(try await cli.run("--db", other, "open", "first", "-q").stdout == "1\n")
        #expect(try await cli.run("--db=\(other)", "action", "add", "1", "check the pool").status == 0)
        #expect(try await cli.run("list", "--db", other).stdout.contains("first"))
        #expect(try await cli.run("--db", other, "show", "--", "1").stdout.contains("first"), "before a --")
        #expect(!FileManager.default.fileExists(atPath: cli.database), "$INCIDENT_DB was not used")
    }

    @Test func initCreatesTheFileOnceAndRefusesANewerSchema() async throws {
        let cli = try CLI()
        let created = try await cli.run("db", "init")
        #expect(created.status == 0 && created.stdout.contains("schema:    8 migration(s)"), "\(created.stderr)")
        #expect(created.stdout.contains("contents:  0 incidents"))
        #expect(FileManager.default.fileExists(atPath: cli.database))
        try await expectSuccess(cli, "open", "x")
        let again = try await cli.run("db", "init", "--json")
        #expect(again.status == 0 && again.stdout.contains(#""incidents" : 1"#), "\(again.stdout)")
        try recordUnknownMigration(cli.database)
        let before = try Data(contentsOf: URL(fileURLWithPath: cli.database))
        let newer = try await cli.run("db", "init")
        #expect(newer.status == 74 && newer.stderr.contains("newer version of incident"), "\(newer.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.database)) == before)
        let typo = try await cli.run("db", "init", "--db", cli.directory.path("no/such/folder.db"))
        #expect(typo.status == 74 && typo.stderr.contains("does not exist; create it first"), "\(typo.stderr)")
    }

    @Test func checkAndBackupWorkOnAHealthyDatabase() async throws {
        let cli = try CLI()
        #expect(try await cli.run("db", "check").status == 66, "no database yet")
        try await cli.run("open", "x")
        let check = try await cli.run("db", "check")
        #expect(check.status == 0 && check.stdout.contains("integrity: ok"))
        let backup = cli.directory.path("copy.db")
        #expect(try await cli.run("db", "backup", backup).status == 0)
        #expect(try databaseContents(backup) == databaseContents(cli.database))
        let again = try await cli.run("db", "backup", backup)
        #expect(again.status == 64 && again.stderr.contains("exists already"))
    }
}

struct ConcurrencyTests {
    @Test func twentyOpensAtTheSameMomentAllSucceed() async throws {
        let cli = try CLI()
        let processes = try (1...20).map { try cli.start(["open", "parallel \($0)", "-q"]) }
        for (process, _, err) in processes {
            await waitForExit(process)
            let message = try String(contentsOf: err, encoding: .utf8)
            #expect(process.terminationStatus == 0, "\(message)")
        }
        let listed = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(listed.count == 20)
        #expect(Set(listed.compactMap { $0["title"] as? String }) == Set((1...20).map { "parallel \($0)" }))
    }

    /// Writers are killed at staggered moments scaled to the time one resolve takes on this machine,
    /// from before they open the database to after they commit, so that some die inside their transaction.
    @Test func killingWritersMidwayLeavesNoHalfWrittenIncident() async throws {
        let cli = try CLI()
        let prevent = (1...150).flatMap { ["--prevent", "preventive change \($0)"] }
        try await cli.run("open", "timing run", "--at", "-1h")
        let began = Date()
        #expect(try await cli.run(["resolve", "1", "--cause", "timing"] + prevent).status == 0)
        let resolveTime = Date().timeIntervalSince(began)
        for round in 0..<3 {
            let base = 1 + round * 8
            for index in 1...8 { try await cli.run("open", "victim \(base + index)", "--at", "-1h") }
            let writers = try (1...8).map { index in
                try cli.start(["resolve", "\(base + index)", "--cause", "killed"] + prevent)
            }
            let openers = try (1...8).map { try cli.start(["open", "opened while killing \($0)"]) }
            let processes: [ChildProcess] = (writers + openers).map { $0.0 }
            let started = Date()
            for (index, process) in processes.enumerated() {
                // Sixteen processes share two cores, so each runs several times slower than the timing run.
                let killAt = resolveTime * (Double(index) * 0.6 + Double(round) * 0.3 + 0.2)
                try await Task.sleep(for: .seconds(max(0, killAt - Date().timeIntervalSince(started))))
                kill(process.processIdentifier, SIGKILL)
            }
            for process in processes { await waitForExit(process) }
        }
        let check = try await cli.run("db", "check")
        #expect(check.status == 0 && check.stdout.contains("integrity: ok"), "\(check.stdout)\(check.stderr)")
        let resolved = try #require(try await cli.json("list", "--status", "resolved") as? [[String: Any]])
        let open = try #require(try await cli.json("list", "--status", "open") as? [[String: Any]])
        let victims = (resolved + open).filter { ($0["title"] as? String)?.hasPrefix("victim") == true }
        #expect(victims.count == 24, "every victim is either resolved or still open")
        for incident in victims {
            let id = try #require(incident["id"] as? Int)
            let shown = try #require(try await cli.json("show", "\(id)") as? [String: Any])
            let actions = (shown["actions"] as? [Any])?.count ?? -1
            let resolved = shown["status"] as? String == "resolved"
            #expect(actions == (resolved ? 150 : 0), "incident #\(id): resolved \(resolved) with \(actions) actions")
        }
        print("killed writers: \(victims.filter { $0["status"] as? String == "resolved" }.count) of 24 committed")
    }
}

struct ReportCommandTests {
    @Test func theReportIsAvailableAsTextMarkdownAndJSON() async throws {
        let cli = try CLI()
        try await cli.run("open", "Latency", "--fault", "latency ms=800", "--at", "2026-11-28 10:00")
        try await cli.run("detect", "1", "--via", "alert:P99", "--at", "2026-11-28 10:02")
        try await cli.run("resolve", "1", "--cause", "injected", "--at", "2026-11-28 10:10")
        let text = try await cli.run("report")
        #expect(text.status == 0 && text.stdout.contains("Time to detect and recover"))
        #expect(text.stdout.contains("median TTR per period"), "a text chart of the trend")
        let markdown = try await cli.run("report", "--markdown")
        #expect(markdown.stdout.hasPrefix("# Incident report") && markdown.stdout.contains("xychart-beta"))
        let report = try #require(try await cli.json("report") as? [String: Any])
        #expect(
            Set(report.keys) == [
                "generated_at", "filters", "definitions", "counts", "overall",
                "open_incidents", "trend", "breakdowns", "detection", "recurrences", "delivery",
            ])
        let overall = try #require(report["overall"] as? [String: [String: [String: Any]]])
        #expect(overall["injected"]?["ttd"]?["median_s"] as? Double == 120)
        #expect(overall["real"]?["ttd"]?["median_s"] is NSNull)
    }

    @Test(arguments: [
        (["report", "--markdown", "--json"], "cannot be used together"),
        (["report", "--since", "2026-11-28", "--until", "2026-11-01"], "is not after --since"),
        (["report", "--period", "fortnight"], "fortnight"),
        (["report", "--since", "last tuesday"], "cannot read the time"),
    ])
    func badReportOptionsAreRefused(arguments: [String], words: String) async throws {
        let result = try await CLI().run(arguments)
        #expect(result.status == 64 && result.stderr.contains(words), "\(result.stderr)")
    }
}

struct PostmortemCommandTests {
    @Test func checkGatesOnMissingParts() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "Checkout 502", "--at", "2026-11-28 10:00")
        let incomplete = try await cli.run("postmortem", "1", "--check")
        #expect(incomplete.status == 1)
        #expect(incomplete.stdout.contains("missing:") && incomplete.stdout.contains("  - lessons"))
        try await expectSuccess(
            cli, "resolve", "1", "--cause", "pool", "--fix", "restart", "--prevent", "bigger pool",
            "--at", "2026-11-28 10:30")
        try await expectSuccess(cli, "edit", "1", "--summary", "s", "--impact", "i", "--trigger", "t", "--lessons", "l")
        let complete = try await cli.run("postmortem", "1", "--check")
        #expect(complete.status == 0 && complete.stdout.contains("is complete"), "\(complete.stdout)")
        let writing = try await cli.run("postmortem", "1", "--check", "--output", cli.directory.path("pm.md"))
        #expect(writing.status == 64 && writing.stderr.contains("writes nothing; drop --output"), "\(writing.stderr)")
        #expect(try await cli.run("postmortem", "--print-template", "--check").status == 64)
    }

    @Test func templatesAndOutputFiles() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "Checkout 502", "--at", "2026-11-28 10:00")
        let template = cli.directory.path("short.mustache")
        try "{{{title}}} took {{ttr}}\n".write(toFile: template, atomically: true, encoding: .utf8)
        let output = cli.directory.path("out/pm.md")
        try FileManager.default.createDirectory(atPath: cli.directory.path("out"), withIntermediateDirectories: true)
        #expect(try await cli.run("postmortem", "1", "--template", template, "--output", output).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "Checkout 502 took -\n")
        let builtIn = try await cli.run("postmortem", "--print-template")
        #expect(builtIn.status == 0 && builtIn.stdout.hasPrefix("# Postmortem: {{{title}}}"))
        let missing = try await cli.run("postmortem", "1", "--template", cli.directory.path("none.mustache"))
        #expect(
            missing.status == 66
                && missing.stderr.contains("template \(cli.directory.path("none.mustache")): there is no such file"))
        let folder = try await cli.run("postmortem", "1", "--template", cli.directory.url.path)
        #expect(folder.status == 66 && folder.stderr.contains(": it is a folder"), "\(folder.stderr)")
        for (text, problem) in [
            ("# {{#title}}\n{{/summary}}", "line 2, column 4: a section is closed with another name"),
            ("{{title", "line 1, column 8: the template ends inside a tag"),
        ] {
            try text.write(toFile: template, atomically: true, encoding: .utf8)
            let broken = try await cli.run("postmortem", "1", "--template", template)
            #expect(broken.status == 64 && broken.stderr.contains("not valid Mustache: \(problem)"), "\(broken.stderr)")
            #expect(!broken.stderr.contains("ParserError"))
        }
        #expect(try await cli.run("postmortem", "7").status == 66)
    }
}
