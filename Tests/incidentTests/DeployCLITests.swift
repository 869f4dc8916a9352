import Foundation
import TestSupport
import Testing

/// `incident deploy …`, `--caused-by` and `import --format gh-deployments`, run as a user would.
struct DeployCLITests {
    @Test func theVersionFlagIsTheToolsOnlyAtTheTop() async throws {
        let cli = try CLI()
        let version = try await cli.run("--version")
        #expect(version.status == 0 && version.stdout == "0.1.0\n")
        let recorded = try await cli.run("deploy", "record", "--version", "7.0", "-q")
        #expect(recorded.status == 0 && recorded.stdout == "1\n", "the release's version, not the tool's")
    }

    @Test func aDeployIsRecordedListedShownAndNamedByTheIncidentItCaused() async throws {
        let cli = try CLI()
        let recorded = try await cli.run(
            "deploy", "record", "--version", "1.4.2", "--commit", "a84d88e7554fc1fa21bcbc4e", "--committed-at",
            "2026-11-28 08:00", "--at", "2026-11-28 10:00", "--strategy", "rolling")
        #expect(
            recorded.stdout
                == "recorded deploy #1: app 1.4.2 succeeded at 2026-11-28T10:00:00Z; lead time 2h00m\n",
            "\(recorded.stderr)")
        let quiet = try await cli.run(
            "deploy", "record", "--version", "1.4.3", "--at", "2026-11-28 11:00", "--result", "ROLLED-BACK",
            "--notes", "canary: 5xx 4.1% over 1%", "-q")
        #expect(quiet.stdout == "2\n")
        let list = try await cli.run("deploy", "list")
        #expect(list.stdout.contains("2   2026-11-28T11:00:00Z  app      1.4.3    -        rolled-back"))
        #expect(list.stdout.contains("abcdef1") == false && list.stdout.contains("a84d88e"))
        let listed = try #require(
            try await cli.json("deploy", "list", "--since", "2026-11-28 10:30") as? [[String: Any]])
        #expect(listed.map { $0["version"] as? String } == ["1.4.3"])

        let opened = try await cli.run("open", "Checkout returns 500", "--at", "2026-11-28 11:05", "-q")
        #expect(opened.stdout == "1\n")
        let suggested = try await cli.run("show", "1")
        #expect(suggested.stdout.contains("if it caused this incident: incident edit 1 --caused-by 2"))
        try await expectSuccess(cli, "edit", "1", "--caused-by", "2")
        #expect(try await cli.run("show", "1").stdout.contains("caused by deploy #2 (incident deploy show 2)"))
        let shown = try await cli.run("deploy", "show", "2")
        #expect(shown.stdout.contains("canary: 5xx 4.1% over 1%") && shown.stdout.contains("#1  open"))
        let detail = try #require(try await cli.json("deploy", "show", "1") as? [String: Any])
        #expect(detail["lead_time_s"] as? Double == 7200 && (detail["incidents"] as? [Any])?.isEmpty == true)
        try await expectSuccess(cli, "resolve", "1", "--cause", "the release", "--at", "2026-11-28 11:30")
        let postmortem = try await cli.run("postmortem", "1")
        #expect(postmortem.stdout.contains("**Caused by:** deploy #2 of app, version 1.4.3 (rolled-back)"))
        let report = try await cli.run("report", "--markdown", "--since", "2026-11-28")
        #expect(report.stdout.contains("## Delivery: the four keys"))
        #expect(report.stdout.contains("| app | 2 |") && report.stdout.contains("50% (1 of 2)"))
        let opening = try await cli.run("open", "Caused from the start", "--caused-by", "#1", "--json")
        #expect(opening.status == 0 && opening.stdout.contains(#""caused_by" : 1"#), "\(opening.stderr)")
    }

    @Test(
        arguments: [
            (64, "Missing expected argument '--version <version>'", ["deploy", "record"]),
            (64, "the version is empty", ["deploy", "record", "--version", ""]),
            (64, "is not a commit id", ["deploy", "record", "--version", "1", "--commit", "HEAD"]),
            (
                65, "is after the deploy",
                ["deploy", "record", "--version", "1", "--committed-at", "now", "--at", "-1h"]
            ),
            (65, "more than 5 minutes after now", ["deploy", "record", "--version", "1", "--at", "+1h"]),
            (
                64, "Please provide one of 'succeeded', 'failed' or 'rolled-back'",
                ["deploy", "record", "--version", "1", "--result", "ok"]
            ),
            (64, "not one word", ["deploy", "record", "--version", "1", "--strategy", "blue green"]),
            (66, "no deploy #3", ["deploy", "show", "3"]),
            (64, "--json and --quiet cannot be used together", ["deploy", "record", "--version", "1", "--json", "-q"]),
            (64, "--until", ["deploy", "list", "--since", "-1d", "--until", "-2d"]),
            (64, "the service 'Bad Name'", ["import", "--format", "gh-deployments", "-", "--service", "Bad Name"]),
            (66, "no deploy #3", ["open", "x", "--caused-by", "3"]),
            (64, "is not a deploy id", ["open", "x", "--caused-by", "latest"]),
            (65, "is not a JSON array of deployments", ["import", "--format", "gh-deployments", "-"]),
        ] as [(Int32, String, [String])])
    func badInputIsRefusedWithItsExitCode(status: Int32, words: String, arguments: [String]) async throws {
        let cli = try CLI()
        let result = try await cli.run(arguments)
        #expect(result.status == status && result.stderr.contains(words) && !result.crashed, "\(result.stderr)")
        #expect(try await cli.run("deploy", "list", "--json").stdout == "[\n\n]\n", "nothing was recorded")
    }
}
