import Foundation
import TestSupport
import Testing

/// What `incident watch` writes when it is not the only detector: a second prober, an alert, a wrong target.
@Suite(.serialized)
struct WatchRecordTests {
    static let quick = ["--interval", "200ms", "--fail-after", "2", "--timeout", "1s", "--slow", "300ms", "--json"]

    /// Waits up to `seconds` for `condition`.
    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .seconds(0.2))
        }
        return try await condition()
    }

    func incident(_ cli: CLI, _ id: Int) async throws -> [String: Any] {
        try #require(try await cli.json("show", "\(id)") as? [String: Any])
    }

    @Test func aSecondProberTakesUpTheDetectedIncidentAndRecordsItsRecovery() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        try await expectSuccess(cli, "inject", "error", "--duration", "2m", "-q", environment: app.cliEnvironment)
        let (first, _, _) = try cli.start(["watch"] + Self.quick, environment: app.cliEnvironment)
        #expect(try await eventually(15) { try await incident(cli, 1)["detected_at"] is String })
        kill(first.processIdentifier, SIGINT)
        await waitForExit(first)
        // Three good rounds make a recovery, and up to a minute for them: under a loaded test run (another test
        // burns CPU) a round of twenty probes may be slower than --slow now and then.
        let (second, out, err) = try cli.start(
            ["watch", "--until-recovered", "--recover-after", "3"] + Self.quick, environment: app.cliEnvironment)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        #expect(try await eventually(10) { try String(contentsOf: out, encoding: .utf8).contains(#""following""#) })
        try await expectSuccess(cli, "clear", "1", environment: app.cliEnvironment)
        let stopped = try await eventually(60) { !second.isRunning }
        #expect(stopped, "\((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        let incidents = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(incidents.count == 1, "no outage invented: \(incidents)")
        let recovered = try await incident(cli, 1)
        #expect(recovered["mitigated_at"] is String && recovered["detection"] as? String == "probe")
    }

    @Test func anIncidentAnAlertDetectedIsRecoveredOnlyAfterItsFaultEnds() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        try await expectSuccess(
            cli, "inject", "memory_leak", "mb_per_s=1", "max_mb=4", "--duration", "2m", "-q",
            environment: app.cliEnvironment)
        try await expectSuccess(cli, "detect", "1", "--via", "alert:AppMemoryGrowing")
        let (watch, out, err) = try cli.start(
            ["watch", "--until-recovered", "--recover-after", "3"] + Self.quick, environment: app.cliEnvironment)
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        #expect(try await eventually(10) { try String(contentsOf: out, encoding: .utf8).contains(#""following""#) })
        try await Task.sleep(for: .seconds(2))
        #expect(watch.isRunning, "every probe is good, but the leak is still in force")
        #expect(try await incident(cli, 1)["mitigated_at"] is NSNull)
        try await expectSuccess(cli, "clear", "1", environment: app.cliEnvironment)
        let stopped = try await eventually(15) { !watch.isRunning }
        #expect(stopped, "\((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        let recovered = try await incident(cli, 1)
        let timeline = try #require(recovered["timeline"] as? [[String: Any]])
        let cleared = try #require(timeline.first { $0["kind"] as? String == "fault_cleared" }?["at"] as? String)
        let mitigated = try #require(recovered["mitigated_at"] as? String)
        #expect(mitigated >= cleared, "recovered at \(mitigated), the fault ended at \(cleared)")
    }

    /// Behind a load balancer one replica may fail while users see nothing: `--per-replica` names it, and the
    /// record is left to the probes of the target. `--slow 2s`: under a loaded test run a healthy replica's
    /// round may take more than the usual 300 ms, and that would be a failure the test did not make.
    @Test func perReplicaNamesTheFailingReplicaAndRecordsNothing() async throws {
        let front = try await AppUnderTest()
        let hidden = try await AppUnderTest()
        let cli = try CLI()
        let (watch, out, err) = try cli.start(
            [
                "watch", "--per-replica", "--replica", front.url, "--replica", hidden.url, "--recover-after", "3",
                "--interval", "200ms", "--fail-after", "2", "--timeout", "3s", "--slow", "2s", "--json",
            ], environment: front.cliEnvironment)
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        try await expectSuccess(
            cli, "inject", "not_ready", "--target", hidden.url, "--duration", "2m", "-q",
            environment: front.cliEnvironment)
        func events() throws -> [[String: Any]] {
            try String(contentsOf: out, encoding: .utf8).split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        #expect(try await eventually(15) { try events().contains { $0["kind"] as? String == "replica_failing" } })
        try await expectSuccess(cli, "clear", "1", environment: front.cliEnvironment)
        let recovered = try await eventually(60) {
            try events().contains { $0["kind"] as? String == "replica_recovered" }
        }
        #expect(recovered, "\((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        kill(watch.processIdentifier, SIGINT)
        await waitForExit(watch)
        #expect(watch.terminationStatus == 0)
        let seen = try events()
        #expect(seen.map { $0["kind"] as? String } == ["replica_failing", "replica_recovered"], "\(seen)")
        #expect(seen.allSatisfy { $0["replica"] as? String == "replica-2" && $0["url"] as? String == hidden.url })
        #expect((seen.first?["reason"] as? String)?.contains("/readyz answered 503") == true, "\(seen)")
        let record = try await incident(cli, 1)
        #expect(record["detected_at"] is NSNull, "the target never failed: no detection, \(record)")
    }

    @Test func aProberOnADeadTargetSaysSoAndWritesNothing() async throws {
        let cli = try CLI()
        try await expectSuccess(cli, "open", "checkout slow", "--at", "-10m")
        try await expectSuccess(
            cli, "open", "drill", "--fault", "error status=500", "--at", "-5m")
        let before = try await cli.run("export", "--format", "jsonl").stdout
        let (watch, _, err) = try cli.start(["watch", "--target", "http://127.0.0.1:1"] + Self.quick)
        try await Task.sleep(for: .seconds(3))
        kill(watch.processIdentifier, SIGINT)
        await waitForExit(watch)
        #expect(watch.terminationStatus == 0)
        #expect(try String(contentsOf: err, encoding: .utf8).contains("http://127.0.0.1:1 does not answer"))
        #expect(try await cli.run("export", "--format", "jsonl").stdout == before, "nothing detected, nothing opened")
    }

    @Test func aGameDayHoldingHalfTheRequestsFailingRecoversOnlyAfterTheClear() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let scenario = cli.directory.path("half.yaml")
        try """
        steps:
          - fault: error status=500 probability=0.5
            hold: 5s
            detect_within: 5s
            recover_within: 20s
        """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try await cli.run(
            ["gameday", "run", scenario, "--json", "--interval", "200ms", "--fail-after", "2", "--timeout", "1s"],
            environment: app.cliEnvironment)
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let step = try #require((scorecard["steps"] as? [[String: Any]])?.first)
        #expect(step["outcome"] as? String == "detected", "\(step)")
        let ttr = try #require(step["ttr_s"] as? Double, "\(step)")
        #expect(ttr >= 5 && ttr < 7, "recovered \(ttr) s after the injection; the fault held 5 s")
    }

    @Test func clearingEverythingOnADeadTargetIsUnavailableNotNothing() async throws {
        let cli = try CLI()
        let result = try await cli.run(
            ["clear", "--all", "--target", "http://127.0.0.1:1"], environment: ["APP_ADMIN_TOKEN": "t"])
        #expect(result.status == 69, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("http://127.0.0.1:1") && !result.stdout.contains("no fault"))
    }
}
