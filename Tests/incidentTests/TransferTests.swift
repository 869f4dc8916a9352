import Foundation
import TestSupport
import Testing

/// Runs a setup command and fails the test, saying why, when it does not succeed.
func expectSuccess(
    _ cli: CLI, _ arguments: String..., environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let result = try await cli.run(arguments, environment: environment)
    try #require(result.status == 0, "\(arguments.first ?? ""): \(result.stderr)", sourceLocation: sourceLocation)
}

struct TransferTests {
    /// A history with text that stresses both formats: commas, quotes, line breaks, Unicode, SQL.
    func history() async throws -> CLI {
        let cli = try CLI()
        try await expectSuccess(
            cli, "open", "Quotes \"here\", commas, and\nline breaks\r\n🔥 שלום",
            "--at", "2026-11-28T10:00:00.250Z", "--other-fault", "error status=503, probability=0.5")
        try await expectSuccess(cli, "detect", "1", "--via", "alert:HighErrorRate", "--at", "2026-11-28 10:02")
        try await expectSuccess(
            cli, "resolve", "1", "--cause", "'); DROP TABLE incident;--", "--category", "deploy",
            "--prevent", "canary, then \"bake\"", "--at", "2026-11-28 10:30")
        try await expectSuccess(cli, "action", "done", "1", "--at", "2026-11-28 11:00")
        try await expectSuccess(
            cli, "action", "add", "1", "alert on p99", "--kind", "detect", "--owner", "bob",
            "--due", "2026-12-15", "--url", "https://tickets.example/1?a=1,b=2")
        try await expectSuccess(cli, "edit", "1", "--summary", "multi\nline\n\nsummary", "--at", "2026-11-28 12:00")
        try await expectSuccess(cli, "open", "Noise", "--at", "2026-11-28 11:00")
        try await expectSuccess(cli, "cancel", "2", "--reason", "false alarm", "--at", "2026-11-28 11:01")
        try await expectSuccess(
            cli, "open", "Still open", "--service", "api", "--severity", "sev1",
            "--at", "2026-11-28 12:00")
        return cli
    }

    @Test(arguments: ["jsonl", "csv"])
    func exportImportExportIsIdentical(format: String) async throws {
        let cli = try await history()
        let first = try await cli.run("export", "--format", format)
        #expect(first.status == 0 && first.stdout.split(separator: "\n").count >= 3)
        let file = cli.directory.path("export.\(format)")
        #expect(try await cli.run("export", "--format", format, "--output", file).status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == first.stdout)

        let empty = cli.directory.path("empty.db")
        let imported = try await cli.run("import", file, "--db", empty)
        #expect(imported.status == 0 && imported.stdout.contains("imported 3 incidents"), "\(imported.stderr)")
        let again = try await cli.run("export", "--format", format, "--db", empty)
        #expect(again.stdout == first.stdout)
        #expect(try await cli.run("export", "--db", empty).stdout == cli.run("export").stdout, "both formats agree")
        #expect(try await cli.run("show", "1", "--json", "--db", empty).stdout == cli.run("show", "1", "--json").stdout)
    }

    @Test func badRecordsAreAllReportedAndNothingIsImported() async throws {
        let cli = try await history()
        let good = try await cli.run("export").stdout.split(separator: "\n").map(String.init)
        try #require(good.count == 3)
        let records = [
            good[0].replacingOccurrences(of: "\"id\":1,", with: "\"id\":101,")
                .replacingOccurrences(of: "\"incident_id\":1,", with: "\"incident_id\":101,")
                .replacingOccurrences(of: "\"id\":1}", with: "\"id\":1001}"),
            "{not json",
            good[1].replacingOccurrences(of: "\"severity\":\"sev3\"", with: "\"severity\":\"sev9\""),
            "",
            good[2].replacingOccurrences(
                of: "\"detected_at\":null",
                with: "\"detected_at\":\"2026-11-28T11:00:00Z\""
            )
            .replacingOccurrences(of: "\"status\":\"open\"", with: "\"status\":\"detected\"")
            .replacingOccurrences(of: "\"ttd_s\":null", with: "\"ttd_s\":-3600")
            .replacingOccurrences(of: "\"id\":3,", with: "\"id\":103,")
            .replacingOccurrences(of: "\"incident_id\":3,", with: "\"incident_id\":103,"),
        ]
        let file = cli.directory.path("bad.jsonl")
        try records.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let target = cli.directory.path("target.db")
        try await cli.run("open", "already here", "--db", target)
        let before = try databaseContents(target)
        let result = try await cli.run("import", file, "--db", target)
        #expect(result.status == 65)
        #expect(result.stderr.contains("has 3 bad record(s); nothing was imported"), "\(result.stderr)")
        #expect(result.stderr.contains("line 2: not a valid JSON object"))
        #expect(result.stderr.contains("line 3: field severity"))
        #expect(result.stderr.contains("line 5: the detected time 2026-11-28T11:00:00Z is before the started time"))
        #expect(!result.stderr.contains("line 1:"))
        #expect(try databaseContents(target) == before)
    }

    @Test func importingAnExportAgainAddsNothingAndADifferentRecordIsRefusedNamingItsFields() async throws {
        let cli = try await history()
        let file = cli.directory.path("again.jsonl")
        #expect(try await cli.run("export", "--output", file).status == 0)
        let before = try databaseContents(cli.database)
        let again = try await cli.run("import", file)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing to import: the 3 incidents in \(file) were imported before, unchanged"))
        #expect(try databaseContents(cli.database) == before)

        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let edited = cli.directory.path("edited.jsonl")
        try [lines[0], lines[1].replacingOccurrences(of: "\"title\":\"Noise\"", with: "\"title\":\"Signal\"")]
            .joined(separator: "\n").write(toFile: edited, atomically: true, encoding: .utf8)
        let refused = try await cli.run("import", edited)
        #expect(refused.status == 65 && refused.stderr.contains("line 2: incident #2 exists already with other title"))
        #expect(!refused.stderr.contains("line 1:"), "the unchanged record is no problem")
        #expect(try databaseContents(cli.database) == before)

        let one = cli.directory.path("one.jsonl")
        try lines[2].write(toFile: one, atomically: true, encoding: .utf8)
        let single = try await cli.run("import", one, "--db", cli.directory.path("single.db"))
        #expect(single.stdout.contains("imported 1 incident, 1 timeline event, 0 action items"), "\(single.stdout)")
    }

    /// Two records of one file that give a timeline entry the same id: the second insert's refusal by SQLite
    /// is a conflict naming the entry, and nothing is imported.
    @Test func aRowIdTakenTwiceInOneFileIsAConflictAndNothingIsImported() async throws {
        let cli = try await history()
        let lines = try await cli.run("export").stdout.split(separator: "\n").map(String.init)
        let file = cli.directory.path("clash.jsonl")
        let firstEvent = try #require(lines[2].firstRange(of: #/"id":\d+,"incident_id":3/#))
        try [lines[0], lines[2].replacingCharacters(in: firstEvent, with: #""id":1,"incident_id":3"#)]
            .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let target = cli.directory.path("clash.db")
        let refused = try await cli.run("import", file, "--db", target)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("line 2: timeline event #1 exists already in the database"), "\(refused.stderr)")
        #expect(try await cli.run("list", "--json", "--db", target).stdout.filter { !$0.isWhitespace } == "[]")
    }

    /// Every key an export writes is required, and the derived `status` and `durations` must agree with the
    /// record: a record that lost its fault or claims a resolution it lacks is refused, never imported half.
    @Test func aRecordMissingAKeyOrContradictingItselfIsRefusedNamingLineAndField() async throws {
        let cli = try await history()
        let lines = try await cli.run("export").stdout.split(separator: "\n").map(String.init)
        let cases: [(String, String)] = [
            (
                lines[0].replacingOccurrences(of: #""fault":"other: error status=503, probability=0.5","#, with: ""),
                "missing field fault"
            ),
            (
                lines[2].replacingOccurrences(of: #""status":"open""#, with: #""status":"resolved""#),
                "field status: is 'resolved', but the record's times and cancelled flag make it 'open'"
            ),
            (lines[0].replacingOccurrences(of: #""ttr_s":"#, with: #""ttr_s":1"#), "field durations.ttr_s: is 1"),
            (lines[2].replacingOccurrences(of: #","sources":[]"#, with: ""), "missing field sources"),
            (
                lines[0].replacingOccurrences(of: #""author":"#, with: #""mood":"calm","author":"#),
                "field timeline.0.mood: unknown field"
            ),
            (lines[0].replacingOccurrences(of: #""owner":"bob","#, with: ""), "missing field actions.1.owner"),
        ]
        for (index, (record, problem)) in cases.enumerated() {
            let edited = !lines.contains(record)
            try #require(edited, "case \(index) edits the export")
            let file = cli.directory.path("case-\(index).jsonl")
            try ("\n" + record).write(toFile: file, atomically: true, encoding: .utf8)
            let target = cli.directory.path("case-\(index).db")
            let result = try await cli.run("import", file, "--db", target)
            #expect(
                result.status == 65 && result.stderr.contains("line 2: \(problem)"), "case \(index): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test func aCSVHeaderMissingAColumnIsRefused() async throws {
        let cli = try await history()
        let lines = try await cli.run("export", "--format", "csv").stdout.split(separator: "\n").map(String.init)
        let file = cli.directory.path("short.csv")
        try ([lines[0].replacingOccurrences(of: ",fault,", with: ",")] + lines.dropFirst())
            .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await cli.run("import", file, "--db", cli.directory.path("csv.db"))
        #expect(
            result.status == 65 && result.stderr.contains("line 1: the header has no column 'fault'"),
            "\(result.stderr)")
    }

    @Test func aDryRunChecksWithoutWriting() async throws {
        let cli = try await history()
        let file = cli.directory.path("export.csv")
        try await cli.run("export", "--format", "csv", "--output", file)
        let target = cli.directory.path("target.db")
        let result = try await cli.run("import", file, "--dry-run", "--db", target)
        #expect(result.status == 0 && result.stdout.contains("would import 3 incidents"))
        #expect(!FileManager.default.fileExists(atPath: target), "a dry run creates no database")
    }

    @Test func aMissingFileIsReported() async throws {
        let result = try await CLI().run("import", "/nonexistent/incidents.jsonl")
        #expect(result.status == 66 && result.stderr.contains("cannot read /nonexistent/incidents.jsonl"))
    }
}
