import Foundation
import TestSupport
import Testing

/// `incident slo rules` and `incident slo status` as a user runs them: the committed rules are what the CLI
/// makes, promtool accepts them, bad SLO files and an absent Prometheus are refused, and the status
/// measured on a real Prometheus matches counters whose every value the test knows.
@Suite(.serialized)
struct SLOCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sloFiles = ["ops/slo/app-availability.yaml", "ops/slo/app-latency.yaml"]

    /// Runs the CLI in the repository's root, so that file names are as in the committed rules' headers.
    func runInRoot(_ arguments: [String]) async throws -> CLI.Result {
        try await CLI().run(arguments, workingDirectory: Self.root)
    }

    @Test(arguments: ["production", "lab"])
    func theCommittedSLORulesAreWhatTheCLIMakes(profile: String) async throws {
        let result = try await runInRoot(
            ["slo", "rules"] + Self.sloFiles + (profile == "lab" ? ["--profile", "lab"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        let committed = try String(
            contentsOf: Self.root.appendingPathComponent("ops/prometheus/rules/\(profile)/slo.yml"), encoding: .utf8)
        #expect(
            result.stdout == committed,
            "ops/prometheus/rules/\(profile)/slo.yml is stale: run scripts/make_rules.py and commit the result")
    }

    @Test(.enabled(if: toolAvailable("promtool"), "needs promtool (Debian package prometheus); .ci/run installs it"))
    func promtoolAcceptsTheRulesOfBothProfiles() async throws {
        let cli = try CLI()
        for profile in ["production", "lab"] {
            let file = cli.directory.path("\(profile).yml")
            let files = Self.sloFiles.map { Self.root.appendingPathComponent($0).path }
            let result = try await cli.run(["slo", "rules"] + files + ["--profile", profile, "--output", file])
            #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
            let promtool = try await runProcess("/usr/bin/env", ["promtool", "check", "rules", file])
            #expect(promtool.status == 0, "promtool check rules refused the \(profile) rules: \(promtool.output)")
        }
    }

    @Test func badSLOFilesAreRefusedWithTheirFileLineAndKey() async throws {
        let cli = try CLI()
        let source = try String(contentsOf: Self.root.appendingPathComponent(Self.sloFiles[0]), encoding: .utf8)
        let broken = cli.directory.path("broken.yaml")
        try source.replacingOccurrences(of: "target: 0.999", with: "target: 1.0").write(
            toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await cli.run("slo", "rules", broken)
        #expect(refused.status == 65 && refused.stdout.isEmpty)
        #expect(refused.stderr.contains("\(broken):52: spec.objectives[0].target: 1 is not strictly between 0 and 1"))
        let missing = try await cli.run("slo", "rules", cli.directory.path("none.yaml"))
        #expect(missing.status == 66 && missing.stderr.contains("cannot read the SLO file"))
        let profile = try await cli.run("slo", "rules", broken, "--profile", "staging")
        #expect(profile.status == 64)
        let noFolder = try await cli.run("slo", "status", "--slo-dir", cli.directory.path("nowhere"))
        #expect(
            noFolder.status == 66
                && noFolder.stderr.contains("there is no folder \(cli.directory.path("nowhere")) (--slo-dir)"),
            "\(noFolder.stderr)")
        // Outside a clone, run from the temporary folder: the installed folder beside the binary's is the default.
        let installed = try await cli.run("slo", "status", environment: ["INCIDENT_SLO_DIR": ""])
        let beside = CLI.binary.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/incident/slo").path
        #expect(
            installed.status == 66 && installed.stderr.contains("there is no folder \(beside) (the default folder)"))
        #expect(installed.stderr.contains("pass --slo-dir"))
    }

    @Test func withoutPrometheusStatusSaysSoAndShowsNoFigure() async throws {
        let cli = try CLI()
        let port = try freePort()
        for format in [[], ["--json"], ["--markdown"]] {
            let result = try await cli.run(
                [
                    "slo", "status", "--slo-dir", Self.root.appendingPathComponent("ops/slo").path, "--prometheus",
                    "http://127.0.0.1:\(port)",
                ] + format)
            #expect(result.status == 69, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("cannot reach Prometheus at http://127.0.0.1:\(port)"))
        }
        let report = try await cli.run(
            "report", "--prometheus", "http://127.0.0.1:\(port)", "--slo-dir",
            Self.root.appendingPathComponent("ops/slo").path)
        #expect(report.status == 69 && report.stdout.isEmpty)
    }

    /// Counters advance in steps the test makes: 2 % bad, then 50 % bad during an injected incident, then
    /// 2 % again; a real incident spans part of the first stretch. Every scrape sees counters whose bad share
    /// since any earlier scrape of the same stretch is exact, so the SLIs must be exact (to 1e-6). The budget
    /// an incident spent is its bad events over the window's allowed ones; Prometheus extrapolates
    /// increase() to the edges of a range, by up to a scrape interval on a 10-s span, so that share is
    /// checked within 25 %.
    @Test(
        .enabled(if: LivePrometheus.available, "needs prometheus and python3 (Debian packages); .ci/run installs them"))
    func statusMeasuresKnownTrafficOnARealPrometheus() async throws {
        // Counters far from zero, so that Prometheus never shortens its extrapolation to where a counter would
        // reach zero (it does so for each series apart, which would skew a ratio).
        let (good0, bad0) = (1_000_000, 1_000_000)
        let prometheus = try await LivePrometheus.start(good: good0, bad: bad0)
        let cli = try CLI()
        let slos = cli.directory.path("slo")
        try FileManager.default.createDirectory(atPath: slos, withIntermediateDirectories: true)
        for file in Self.sloFiles {
            try FileManager.default.copyItem(
                atPath: Self.root.appendingPathComponent(file).path,
                toPath: slos + "/" + (file as NSString).lastPathComponent)
        }
        var (good, bad) = (good0, bad0)
        try await prometheus.waitForData(#"haproxy_backend_http_responses_total{job="haproxy"}"#)
        func step(_ g: Int, _ b: Int) async throws {
            good += g
            bad += b
            try prometheus.expose(good: good, bad: bad)
            try await Task.sleep(for: .milliseconds(500))
        }
        func now() -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date())
        }
        try await step(98, 2)
        let realStart = now()
        for _ in 0..<10 { try await step(98, 2) }
        let realEnd = now()
        try await Task.sleep(for: .seconds(1))  // a scrape just before an edge may be read a little after it
        try await step(98, 2)
        let injectedStart = now()
        for _ in 0..<20 { try await step(50, 50) }
        let injectedEnd = now()
        // Two seconds: a scrape Prometheus timestamps before the end but a loaded machine serves late.
        try await Task.sleep(for: .seconds(2))
        for _ in 0..<6 { try await step(98, 2) }
        try await Task.sleep(for: .milliseconds(2500))  // the last values scraped

        try await expectSuccess(cli, "open", "Checkout errors", "--at", realStart)
        try await expectSuccess(cli, "mitigate", "1", "--at", realEnd)
        try await expectSuccess(
            cli, "open", "Half the requests fail", "--fault", "error probability=0.5", "--at", injectedStart)
        try await expectSuccess(cli, "mitigate", "2", "--at", injectedEnd)
        try await expectSuccess(cli, "open", "Another service", "--service", "billing", "--at", injectedStart)

        let arguments = ["slo", "status", "--slo-dir", slos, "--prometheus", prometheus.url]
        let measured = try #require(try await cli.json(arguments) as? [[String: Any]])
        #expect(measured.count == 2)
        let availability = try #require(measured.first { $0["slo"] as? String == "app-availability" })
        let expected = 1 - Double(bad - bad0) / Double(good + bad - good0 - bad0)
        let sli = try #require(availability["sli"] as? Double)
        #expect(abs(sli - expected) < 1e-6, "SLI \(sli), expected \(expected)")
        let spent = try #require(availability["budget_spent"] as? Double)
        #expect(abs(spent - (1 - expected) / 0.001) < 1e-3)
        #expect(abs((availability["budget_remaining"] as? Double ?? 0) - (1 - spent)) < 1e-9)
        #expect(availability["error_budget"] as? Double == 0.001 && availability["window"] as? String == "30d")

        let incidents = try #require(availability["incidents"] as? [[String: Any]])
        #expect(incidents.map { $0["id"] as? Int } == [1, 2], "billing's incident is not app's")
        let real = incidents[0]
        let injected = incidents[1]
        #expect(abs((real["sli"] as? Double ?? 0) - 0.98) < 1e-6, "\(real)")
        #expect(abs((injected["sli"] as? Double ?? 0) - 0.5) < 1e-6, "\(injected)")
        #expect(real["kind"] as? String == "real" && injected["kind"] as? String == "injected")
        let injectedSpent = try #require(injected["budget_spent"] as? Double)
        let allowed = 0.001 * Double(good + bad - good0 - bad0)
        #expect(abs(injectedSpent / (1000 / allowed) - 1) < 0.25, "spent \(injectedSpent), about \(1000 / allowed)")
        let totals = try #require(availability["injected"] as? [String: Any])
        #expect(totals["incidents"] as? Int == 1 && totals["budget_spent"] as? Double == injectedSpent)
        #expect((availability["real"] as? [String: Any])?["budget_spent"] as? Double == real["budget_spent"] as? Double)

        let latency = try #require(measured.first { $0["slo"] as? String == "app-latency" })
        #expect(latency["sli"] is NSNull, "no histogram: no data, not a made-up number")
        #expect((latency["incidents"] as? [[String: Any]])?.allSatisfy { $0["sli"] is NSNull } == true)

        let text = try await cli.run(arguments)
        #expect(text.status == 0)
        #expect(text.stdout.contains("app-latency") && text.stdout.contains("no data"))
        let markdown = try await cli.run(arguments + ["--markdown"])
        #expect(markdown.stdout.hasPrefix("# Service level objectives\n"))
        #expect(markdown.stdout.contains("| app-availability | 99.9% | 30d |"))
        let report = try await cli.run("report", "--markdown", "--prometheus", prometheus.url, "--slo-dir", slos)
        #expect(report.status == 0 && report.stdout.contains("## Service level objectives"))
        #expect(
            report.stdout.range(of: "## Service level objectives")!.lowerBound
                < report.stdout.range(of: "## Definitions")!.lowerBound)
        let reportJSON = try #require(
            try await cli.json(["report", "--prometheus", prometheus.url, "--slo-dir", slos]) as? [String: Any])
        #expect((reportJSON["slos"] as? [[String: Any]])?.count == 2 && reportJSON["counts"] != nil)
        let plain = try #require(try await cli.json("report") as? [String: Any])
        #expect(plain["slos"] == nil, "without --prometheus the report is as it was")

        // A query Prometheus refuses: its reason and the SLO file are shown.
        let broken = cli.directory.path("broken")
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        let source = try String(contentsOfFile: slos + "/app-availability.yaml", encoding: .utf8)
        try source.replacingOccurrences(
            of: #"haproxy_backend_http_responses_total{job="haproxy",proxy="app"}"#,
            with: #"haproxy_backend_http_responses_total{job=~"("}"#
        )
        .write(toFile: broken + "/bad.yaml", atomically: true, encoding: .utf8)
        let refused = try await cli.run("slo", "status", "--slo-dir", broken, "--prometheus", prometheus.url)
        #expect(refused.status == 65 && refused.stdout.isEmpty)
        #expect(refused.stderr.contains("refused a query made from \(broken)/bad.yaml"), "\(refused.stderr)")
        #expect(refused.stderr.contains("missing closing )"), "Prometheus's own reason: \(refused.stderr)")
    }
}
