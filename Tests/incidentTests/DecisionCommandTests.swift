import Foundation
import TestSupport
import Testing

/// `incident decision …` as a user runs it: add with -q, list and --due, show as text, JSON and markdown,
/// supersede, the links a postmortem shows, and every refusal with its exit status.
struct DecisionCommandTests {
    static let add = [
        "decision", "add", "Page on multi-window burn rate", "--context", "Threshold alerts paged for nothing",
        "--option", "Plain threshold: time 1 h; cost none; reliability pages on every blip",
        "--option", "Burn rate: time 1 day; cost 7 rules per SLO; reliability quiet, a minute slower",
        "--chosen", "2", "--because", "no false page in the study", "--consequence", "a 1 % trickle pages late",
    ]

    @Test func addListShowSupersede() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "Checkout returns 502", "--at", "2019-11-01 10:00")
        let added = try await cli.run(
            Self.add + [
                "--incident", "1", "--slo", "app-availability", "--at", "2019-12-01 10:00", "--revisit", "2020-01-01",
                "-q",
            ])
        #expect(added.status == 0 && added.stdout == "1\n", "\(added.stderr)")
        let second = try await cli.run(Self.add + ["--revisit", "2199-01-01"])
        #expect(second.stdout == "decision #2 recorded: Page on multi-window burn rate (option 2, Burn rate)\n")

        let all = try #require(try await cli.json("decision", "list") as? [[String: Any]])
        #expect(all.compactMap { $0["id"] as? Int } == [1, 2])
        #expect(all[0]["incidents"] as? [Int] == [1] && all[0]["slos"] as? [String] == ["app-availability"])
        #expect((all[0]["options"] as? [[String: Any]])?[1]["reliability"] as? String == "quiet, a minute slower")
        let due = try #require(try await cli.json("decision", "list", "--due") as? [[String: Any]])
        #expect(due.compactMap { $0["id"] as? Int } == [1], "only the one whose revisit day has passed")
        let table = try await cli.run("decision", "list")
        #expect(table.stdout.contains("2020-01-01 (due)") && !table.stdout.contains("2199-01-01 (due)"))

        let markdown = try await cli.run("decision", "show", "1", "--markdown")
        #expect(markdown.stdout.hasPrefix("# ADR 1: Page on multi-window burn rate\n"))
        #expect(
            markdown.stdout.contains("| 2 | Burn rate (chosen) | 1 day | 7 rules per SLO | quiet, a minute slower |"))
        let text = try await cli.run("decision", "show", "1")
        #expect(text.status == 0 && text.stdout.contains("option 2, Burn rate, because: no false page in the study"))

        try await expectSuccess(cli, "decision", "supersede", "1", "--by", "2")
        let old = try #require(try await cli.json("decision", "show", "1") as? [String: Any])
        #expect(old["status"] as? String == "superseded" && old["superseded_by"] as? Int == 2)
        #expect(
            (try await cli.json("decision", "list", "--due") as? [Any])?.isEmpty == true, "a superseded one is not due")
        let again = try await cli.run("decision", "supersede", "1", "--by", "2")
        #expect(again.status == 65 && again.stderr.contains("already superseded"))
        let backwards = try await cli.run("decision", "supersede", "2", "--by", "1")
        #expect(backwards.status == 65 && backwards.stderr.contains("#2 is the newer one"), "\(backwards.stderr)")

        let postmortem = try await cli.run("postmortem", "1")
        #expect(
            postmortem.stdout.contains("| 1 | Page on multi-window burn rate | Burn rate | superseded | 2020-01-01 |"))
        let linked = try #require(try await cli.json("decision", "list", "--incident", "1") as? [[String: Any]])
        #expect(linked.count == 1)
    }

    @Test func refusalsChangeNothing() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "Something", "--at", "-1h")
        let before = try databaseContents(cli.database)
        for (status, extra, words) in [
            (Int32(66), ["--incident", "7"], "no incident #7"),
            (64, ["--chosen", "3"], "--chosen 3 names no option"),
            (64, ["--option", "Third: time 1; cost 1"], "does not say its effect on reliability"),
            (64, ["--revisit", "soon"], "the revisit date 'soon'"),
            (64, ["--slo", "Availability!"], "not an SLO name"),
            (65, ["--at", "+1d"], "more than 5 minutes after now"),
            (64, ["--revisit", "1999-01-01"], "is before the decision"),
            (64, ["--at", "yesterday-ish"], "yesterday-ish"),
        ] {
            let result = try await cli.run(Self.add + extra)
            #expect(result.status == status, "\(extra): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(extra): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try databaseContents(cli.database) == before)
        #expect(try await cli.run("decision", "show", "9").status == 66)
        #expect(try await cli.run("decision", "supersede", "9", "--by", "8").status == 66)
        #expect(try await cli.run("decision", "list", "--incident", "9").status == 66)
        let fresh = try CLI()
        let unknown = try await fresh.run(Self.add + ["--incident", "1"])
        #expect(unknown.status == 66)
        #expect(!FileManager.default.fileExists(atPath: fresh.database), "a refused first command leaves no database")
    }
}
