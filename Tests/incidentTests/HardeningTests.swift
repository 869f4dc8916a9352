import Foundation
import TestSupport
import Testing

/// Regressions of defects found by fuzzing, race and fault tests, and trials as a new user. Each test
/// failed on the code before its fix.
struct HardeningTests {
    /// True when the tests run as root, who ignores file permissions and may mount file systems.
    static let isRoot = getuid() == 0

    /// A refused first command removes the file it created only while it holds nothing: not an incident, nor a
    /// decision (once lost this way), nor any other record another process wrote meanwhile.
    @Test func twoProcessesCreatingOneDatabaseNeverLoseARecord() async throws {
        let cli = try CLI()
        let decision = [
            "decision", "add", "d", "--context", "c", "--option", "A: time 1h; cost none; reliability ok",
            "--option", "B: time 1d; cost some; reliability better", "--chosen", "1", "--because", "w", "-q",
        ]
        for round in 0..<16 {
            let path = cli.directory.path("race-\(round).db")
            let (write, _, writeErrors) = try cli.start(
                (round.isMultiple(of: 2) ? ["open", "a", "-q"] : decision) + ["--db", path])
            let (detect, _, detectErrors) = try cli.start(["detect", "99", "--db", path])
            await waitForExit(write)
            await waitForExit(detect)
            let errors =
                try String(contentsOf: writeErrors, encoding: .utf8) + String(contentsOf: detectErrors, encoding: .utf8)
            #expect(write.terminationStatus == 0 && detect.terminationStatus == 66, "round \(round): \(errors)")
            let kept = try await cli.run(
                (round.isMultiple(of: 2) ? ["show", "1"] : ["decision", "show", "1"]) + ["--db", path])
            #expect(kept.status == 0, "round \(round): the record written was lost: \(kept.stderr)")
        }
        let lonely = cli.directory.path("both-fail.db")
        let (first, _, _) = try cli.start(["detect", "98", "--db", lonely])
        let (second, _, _) = try cli.start(["detect", "99", "--db", lonely])
        await waitForExit(first)
        await waitForExit(second)
        #expect(!FileManager.default.fileExists(atPath: lonely), "two refused first commands left a database")
    }

    @Test func outputWritesThroughLinksAndKeepsEditedFiles() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "-1h")
        let target = cli.directory.path("real.jsonl")
        let link = cli.directory.path("link.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try await expectSuccess(cli, "export", "--output", link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target, "the link stays a link")
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("\"title\":\"x\""))

        let postmortem = cli.directory.path("1.md")
        try "hand-written lessons".write(toFile: postmortem, atomically: true, encoding: .utf8)
        let refused = try await cli.run("postmortem", "1", "--output", postmortem)
        #expect(refused.status == 64 && refused.stderr.contains("exists already; pass --force"))
        #expect(try String(contentsOfFile: postmortem, encoding: .utf8) == "hand-written lessons")
        try await expectSuccess(cli, "postmortem", "1", "--output", postmortem, "--force")
        #expect(try String(contentsOfFile: postmortem, encoding: .utf8).hasPrefix("# Postmortem: x"))

        let missing = try await cli.run("export", "--output", cli.directory.path("no/such/folder/x.jsonl"))
        #expect(missing.status == 74 && missing.stderr.contains("/no/such/folder does not exist"))
    }

    @Test(.enabled(if: isRoot, "needs root to make a device node"))
    func outputToADeviceWritesToItInsteadOfReplacingIt() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "-1h")
        let device = cli.directory.path("null")
        #expect(mknod(device, S_IFCHR | 0o666, (1 << 8) | 3) == 0, "major 1, minor 3: the null device")
        try await expectSuccess(cli, "export", "--output", device)
        var status = stat()
        #expect(stat(device, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "the device is still a device")
    }

    @Test(arguments: [
        ["open", "x", "--at", "-99999999999999999d"], ["open", "x", "--at", "-9223372036854775807s"],
        ["open", "x", "--at", "-10000000000000000h"], ["list", "--since", "-99999999999999999d"],
        ["report", "--until", "-10000000000000000h"], ["open", "x", "--at", "0001-01-01 00:00"],
        ["open", "x", "--at", "0026-11-28 10:42"], ["open", "x", "--at", "-5000000d"],
        ["open", "x", "--at", "1969-12-31T23:59:59Z"],
    ])
    func timesFarFromNowAreUsageErrors(arguments: [String]) async throws {
        let cli = try CLI()
        let result = try await cli.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(!result.crashed)
        #expect(result.stderr.contains("outside the years 1970 to 2199"), "\(result.stderr)")
    }

    @Test func anythingACommandAcceptsExportsAndImportsBack() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", String(repeating: "T", count: 65536), "--at", "-2h")
        try await expectSuccess(cli, "edit", "1", "--summary", String(repeating: "A", count: 65536))
        try await expectSuccess(cli, "edit", "1", "--summary", String(repeating: "B", count: 65536))
        try await expectSuccess(
            cli, "open", "epoch", "--at", "1970-01-01T00:00:00Z", "--other-fault", "pulled the plug")
        try await expectSuccess(cli, "resolve", "2", "--cause", "c", "--at", "1970-01-01T00:10:00Z")
        for format in ["jsonl", "csv"] {
            let first = try await cli.run("export", "--format", format)
            let file = cli.directory.path("all.\(format)")
            try first.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let copy = cli.directory.path("copy-\(format).db")
            try await expectSuccess(cli, "import", file, "--db", copy)
            #expect(try await cli.run("export", "--format", format, "--db", copy).stdout == first.stdout, "\(format)")
        }
    }

    @Test func aResolvedIncidentKeepsItsCause() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "-1h")
        try await expectSuccess(cli, "resolve", "1", "--cause", "c")
        let cleared = try await cli.run("edit", "1", "--clear", "cause")
        #expect(cleared.status == 65 && cleared.stderr.contains("keeps its root cause"))
        try await expectSuccess(cli, "open", "y", "--at", "-1h")
        #expect(try await cli.run("edit", "2", "--resolved-at", "-5m").status == 65, "resolving by edit needs a cause")
        try await expectSuccess(cli, "edit", "2", "--resolved-at", "-5m", "--cause", "found it")
    }

    @Test func faultsAreCheckedAgainstTheCatalogAndStoredInOneForm() async throws {
        let cli = try CLI()
        for fault in [" latency ms=5", "latency\tms=5", "latency ms=5 jitter_ms=0", #"{"type":"latency","ms":5}"#] {
            try await expectSuccess(cli, "open", "drill", "--fault", fault, "--at", "-1h")
        }
        let faults = try #require(try await cli.json("list") as? [[String: Any]]).compactMap { $0["fault"] as? String }
        #expect(faults == Array(repeating: "latency ms=5 jitter_ms=0", count: 4))
        let typo = try await cli.run("open", "drill", "--fault", "latncy ms=5")
        #expect(typo.status == 64 && typo.stderr.contains("unknown fault type 'latncy'"))
        #expect(typo.stderr.contains("--other-fault"))
        let bounds = try await cli.run("open", "drill", "--fault", "hang max_s=3000")
        #expect(
            bounds.status == 64 && bounds.stderr.contains("field 'max_s' is 3000; it must be between 0.001 and 300"))
        try await expectSuccess(
            cli, "open", "partition", "--other-fault", "dropped packets between app and db", "--at", "-1h")
        for id in ["1", "5"] { try await expectSuccess(cli, "resolve", id, "--cause", "drill") }
        let report = try #require(try await cli.json("report") as? [String: Any])
        let byFault = try #require((report["detection"] as? [String: Any])?["by_fault_type"] as? [[String: Any]])
        #expect(byFault.compactMap { $0["fault_type"] as? String } == ["latency", "other"])
    }

    @Test func listTakesSeveralStatusesAndWhatIsStillBurning() async throws {
        let cli = try CLI()
        for title in ["open", "detected", "acknowledged", "resolved"] {
            try await expectSuccess(cli, "open", title, "--at", "-1h")
        }
        try await expectSuccess(cli, "detect", "2")
        try await expectSuccess(cli, "detect", "3")
        try await expectSuccess(cli, "ack", "3")
        try await expectSuccess(cli, "resolve", "4", "--cause", "c")
        func titles(_ arguments: String...) async throws -> [String] {
            try #require(try await cli.json(arguments) as? [[String: Any]]).compactMap { $0["title"] as? String }
        }
        await #expect(try titles("list", "--unresolved") == ["acknowledged", "detected", "open"])
        await #expect(try titles("list", "--status", "open", "--status", "acknowledged") == ["acknowledged", "open"])
        #expect(try await cli.run("list", "--unresolved", "--status", "open").status == 64)
    }

    @Test(.disabled(if: TestPostgres.storesOnPostgres, "a test of SQLite files: the SQLite run covers it"))
    func readingCommandsWorkInAFolderNobodyMayWrite() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "-1h")
        try await expectSuccess(cli, "resolve", "1", "--cause", "c")
        let folder = cli.directory.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let locked = folder.appendingPathComponent("incidents.db").path
        try await expectSuccess(cli, "db", "backup", locked)
        chmod(locked, 0o444)
        chmod(folder.path, 0o555)
        chmod(cli.directory.url.path, 0o755)
        defer { chmod(folder.path, 0o755) }
        // Root ignores permissions: run as nobody, as the user of a shared read-only history would be.
        let asUser = Self.isRoot ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        for command in [
            ["list"], ["show", "1"], ["report", "--json"], ["export"], ["postmortem", "1"], ["db", "check"],
        ] {
            let result = try await cli.run(command + ["--db", locked], wrapper: asUser)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(
            try await cli.run(["open", "y", "--db", locked], wrapper: asUser).status == 74, "writing says why it cannot"
        )
    }

    @Test(arguments: [
        (#"{"id":1,"detected_anullt":null}"#, "line 1: field detected_anullt: unknown field"),
        ("MISSING_TIMELINE", "line 1: missing field timeline"),
        ("BAD_KIND", "line 1: field timeline.0.kind"),
        ("NO_CAUSE", "line 1: a resolved incident keeps its root cause"),
        ("BAD_UTF8", "line 1: the line is not valid UTF-8 text"),
        ("OLD", "line 1: the started time 1900-11-28T10:00:00Z is outside the years 1970 to 2199"),
    ])
    func importRefusesCorruptionNamingTheLineAndKey(corruption: String, message: String) async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "2026-11-28T10:00:00Z")
        try await expectSuccess(cli, "resolve", "1", "--cause", "c", "--at", "2026-11-28T10:05:00Z")
        var line = try await cli.run("export").stdout.trimmingCharacters(in: .newlines)
        switch corruption {
        case "MISSING_TIMELINE":
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["timeline"] = nil
            line = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        case "BAD_KIND": line = line.replacingOccurrences(of: #""kind":"opened""#, with: #""kind":"openned""#)
        case "NO_CAUSE": line = line.replacingOccurrences(of: #""cause":"c""#, with: #""cause":null"#)
        case "OLD":  // every time moved alike, so that the derived durations still agree
            line = line.replacingOccurrences(of: "2026-11-28T10:0", with: "1900-11-28T10:0")
        case "BAD_UTF8": break
        default:
            line = line.replacingOccurrences(of: #""id":1,"#, with: String(corruption.dropFirst().dropLast()) + ",")
        }
        let file = cli.directory.url.appendingPathComponent("bad.jsonl")
        var bytes = Data(line.utf8)
        if corruption == "BAD_UTF8" { bytes.insert(0xFF, at: 10) }
        try bytes.write(to: file)
        let target = cli.directory.path("target.db")
        let result = try await cli.run("import", file.path, "--db", target)
        #expect(result.status == 65, "\(corruption): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(corruption): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was imported")
        let folder = try await cli.run("import", cli.directory.url.path, "--db", target)
        #expect(folder.status == 66 && folder.stderr.contains("is a folder"))
    }

    @Test(
        .disabled(if: TestPostgres.storesOnPostgres, "PostgreSQL's typed columns refuse these values: SQLite only"),
        arguments: [
            ("UPDATE incident SET title = X'C328'", "column title holds a blob of 2 bytes", Self.everyReading),
            ("UPDATE incident SET started_at = 'yesterday'", "column started_at holds 'yesterday'", Self.everyReading),
            (
                "UPDATE incident SET started_at = -9223372036854775808",
                "column started_at holds -9223372036854775808", Self.everyReading
            ),
            (
                "UPDATE incident SET started_at = 'a' || char(10, 27) || 'b'",
                "column started_at holds 'a\u{240A}\u{241B}b'", ["show 1"]
            ),
            ("UPDATE timeline_event SET at = 'noon'", "column at holds 'noon'", ["show 1", "export", "postmortem 1"]),
            (
                "UPDATE deploy SET service = X'C328'", "could not decode String from database value",
                ["deploy list", "export"]
            ),
            (
                "PRAGMA ignore_check_constraints = 1; UPDATE deploy SET result = 'bogus'",
                #"could not decode DeployResult from database value "bogus""#, ["deploy list", "export"]
            ),
            (
                "INSERT INTO incident_source (incident_id, key) VALUES (1, X'C328')",
                "column key holds a blob of 2 bytes", ["show 1", "export"]
            ),
            ("UPDATE decision SET chosen = 9", "column chosen holds 9", ["decision show 1", "decision list"]),
            (
                "UPDATE decision SET superseded_by = 1, superseded_at = NULL", "column superseded_at holds NULL",
                ["decision show 1", "decision supersede 1 --by 2"]
            ),
        ])
    func aValueChangedOutsideIncidentIsNamedNotCrashedOn(change: String, named: String, reading: [String])
        async throws
    {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "2026-11-28T10:00:00Z")
        try await expectSuccess(cli, "deploy", "record", "--version", "7.0", "-q")
        #expect(try await cli.run(DecisionCommandTests.add + ["-q"]).status == 0)
        try execute(on: cli.database, change)
        let before = try databaseContents(cli.database)
        for command in reading {
            let result = try await cli.run(command.split(separator: " ").map(String.init))
            #expect(!result.crashed && result.status == 74, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("holds a value incident cannot read (\(named)"), "\(result.stderr)")
            #expect(
                result.stderr.contains("`incident db check` names every such row") && !result.stderr.contains("row: ["))
        }
        #expect(try databaseContents(cli.database) == before, "a command that cannot read changes nothing")
        let check = try await cli.run("db", "check")
        #expect(check.status == 74 && check.stdout.contains(" 1: \(named)"), "\(check.stdout)")
    }

    @Test(.disabled(if: TestPostgres.storesOnPostgres, "PostgreSQL refuses such a row: SQLite only"))
    func aRowPointingToAMissingOneIsNamed() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--at", "2026-11-28T10:00:00Z")
        try execute(on: cli.database, "UPDATE timeline_event SET incident_id = 999", foreignKeys: false)
        let check = try await cli.run("db", "check")
        #expect(check.status == 74 && check.stdout.contains("timeline_event row 1 points to a missing incident"))
        // A file of an older schema is read through a migrated copy, whose migration checks the links first.
        let older = cli.directory.path("older.db")
        try FileManager.default.copyItem(atPath: SampleTests.sample, toPath: older)
        try execute(on: older, "UPDATE timeline_event SET incident_id = 999 WHERE id = 3", foreignKeys: false)
        for command in [["list"], ["db", "check"]] {
            let result = try await cli.run(command + ["--db", older])
            #expect(!result.crashed && result.status == 74, "\(command): \(result.stderr)")
            #expect(
                result.stderr.contains(
                    "holds a row that points to a missing one (SQLite: FOREIGN KEY constraint violation - from "
                        + "timeline_event(incident_id) to incident(id)"), "\(result.stderr)")
        }
    }

    /// The commands that read every incident's own columns.
    static let everyReading = ["show 1", "list", "export", "report --json", "postmortem 1"]

    /// A file system of 256 KiB, for running out of disk; nil where it cannot be mounted.
    static func smallDisk() async -> TemporaryDirectory? {
        guard isRoot, let directory = try? TemporaryDirectory() else { return nil }
        let mount = try? await runProcess(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory.url.path])
        return mount?.status == 0 ? directory : nil
    }

    @Test(
        .enabled(if: isRoot, "needs root to mount a small tmpfs"),
        .disabled(if: TestPostgres.storesOnPostgres, "a test of SQLite files: the SQLite run covers it"))
    func aFullDiskGetsASentenceAndLeavesNothingBehind() async throws {
        let disk = try #require(await Self.smallDisk(), "mounting a tmpfs failed")
        defer { umount2(disk.url.path, Int32(MNT_DETACH)) }
        let cli = try CLI()
        for index in 0..<20 {
            try await expectSuccess(cli, "open", "\(index) " + String(repeating: "x", count: 20_000), "--at", "-1h")
        }
        let export = try await cli.run("export", "--output", disk.path("e.jsonl"))
        #expect(export.status == 74 && export.stderr.contains("the disk is full"), "\(export.stderr)")
        let backup = try await cli.run("db", "backup", disk.path("b.db"))
        #expect(backup.status == 74 && backup.stderr.contains("is full"), "\(backup.stderr)")
        let fill = open(disk.path("fill"), O_WRONLY | O_CREAT, 0o644)
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fill, block, block.count) > 0 {}
        close(fill)
        let first = try await cli.run("open", "y", "--db", disk.path("new.db"))
        #expect(first.status == 74 && first.stderr.contains("is full"), "\(first.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path).sorted() == ["fill"])
    }

    /// A missing folder in a path given is a typo, refused naming it; only the default location is made with
    /// its folders, private.
    @Test func aDatabaseInAMissingFolderIsRefusedUnlessItIsTheDefaultLocation() async throws {
        let cli = try CLI()
        let typo = cli.directory.path("typo/dir/x.db")
        let refused = try await cli.run("open", "x", "--db", typo)
        #expect(refused.status == 74, "\(refused.stderr)")
        #expect(refused.stderr.contains("the folder \(cli.directory.path("typo/dir")) does not exist"))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.path("typo")))
        let fromEnvironment = try await cli.run("open", "x", environment: ["INCIDENT_DB": typo])
        #expect(fromEnvironment.status == 74)

        let data = cli.directory.path("data")
        let made = try await cli.run("open", "x", environment: ["INCIDENT_DB": "", "XDG_DATA_HOME": data])
        #expect(made.status == 0, "\(made.stderr)")
        let folder = try FileManager.default.attributesOfItem(atPath: data + "/incident")
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        #expect(FileManager.default.fileExists(atPath: data + "/incident/incidents.db"))
    }

    /// Foundation reads a time zone it does not know as UTC: that would shift every local time given.
    @Test func anUnknownTimeZoneIsRefusedAndTheCLibrarysSpellingsAreRead() async throws {
        let cli = try CLI()
        let refused = try await cli.run("open", "x", "--at", "2026-11-28 10:00", environment: ["TZ": "Mars/Olympus"])
        #expect(
            refused.status == 64 && refused.stderr.contains("TZ=Mars/Olympus is not a time zone"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.database))
        for spelling in [":Asia/Tokyo", "/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"] {
            let opened = try await cli.run(
                "open", spelling, "--at", "2026-11-28 10:00", "-q", environment: ["TZ": spelling])
            let id = opened.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let shown = try #require(try await cli.json("show", id) as? [String: Any])
            #expect(shown["started_at"] as? String == "2026-11-28T01:00:00Z", "\(spelling)")
        }
    }

    @Test func aHugeTitleIsOneShortLineOfAListAndWholeInShow() async throws {
        let cli = try CLI()
        let title = String(repeating: "long title ", count: 5_000)
        try await expectSuccess(cli, "open", title)
        let list = try await cli.run("list")
        let line = try #require(list.stdout.split(separator: "\n").last)
        #expect(line.count < 300 && line.hasSuffix("…"), "\(line.count) characters")
        #expect(try await cli.run("show", "1").stdout.contains(title.trimmingCharacters(in: .whitespaces)))
    }

    @Test func theAuthorComesFromGitsConfigurationWithoutRunningGit() async throws {
        let cli = try CLI()
        let home = cli.directory.url.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try "[core]\n\tname = not this\n[user]\n\temail = a@example.org\n\tname = \"Ada Lovelace\"\n"
            .write(to: home.appendingPathComponent(".gitconfig"), atomically: true, encoding: .utf8)
        // No git on the PATH: the name must come from the file.
        try await cli.run("open", "x", environment: ["INCIDENT_AUTHOR": "", "HOME": home.path, "PATH": "/nonexistent"])
        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect((shown["timeline"] as? [[String: Any]])?.first?["author"] as? String == "Ada Lovelace")
    }
}

/// The mistakes people type, each answered with what they meant.
struct TypoTests {
    @Test func aMistypedCommandNamesTheNearestOne() async throws {
        let cli = try CLI()
        for (words, answer) in [
            (["opne", "x"], "'opne' is not a command of incident; did you mean 'open'?"),
            (["db", "chek"], "'chek' is not a command of incident db; did you mean 'check'?"),
            (["xyzzy"], "'xyzzy' is not a command of incident (`incident --help` lists them)"),
        ] {
            let result = try await cli.run(words)
            #expect(result.status == 64 && result.stderr.contains(answer), "\(words): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.database))
    }

    @Test func negativeNumbersAndUpperCaseWordsAreAnsweredPlainly() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "x", "--severity", "SEV2", "--at", "-1h")
        #expect(try await cli.run("list", "--severity", "Sev2").stdout.contains("sev2"))
        for words in [["show", "-1"], ["list", "--limit", "-5"]] {
            let result = try await cli.run(words)
            #expect(result.status == 64 && result.stderr.contains("is a negative number"), "\(result.stderr)")
        }
        let quiet = try await cli.run("resolve", "1", "--cause", "c", "-q")
        #expect(quiet.status == 0 && quiet.stdout.isEmpty, "\(quiet.stdout)")
    }
}
