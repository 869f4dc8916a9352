import Foundation
import IncidentKit
import TestSupport
import Testing

/// A game day's `deploy:` steps end to end: the built CLI, the built app as the target users reach, and a
/// stand-in for scripts/deploy.sh that speaks its `--json` events and records its deploys with the built CLI.
@Suite(.serialized)
struct GameDayDeployTests {
    /// Plays scripts/deploy.sh's part: `stopped` is stopped by the canary before it takes traffic, `through`
    /// goes out to every replica, a release folder (the rollback) goes out too, `missing` is refused, `dies`
    /// ends without a result once a replica serves it, and `blind` is stopped because Prometheus failed.
    static let deployCommand = #"""
        #!/bin/sh
        release=$1 strategy=$3
        now() { date +%s%3N; }
        event() { printf '{"event": "%s", "at_ms": %s%s}\n' "$1" "$(now)" "$2"; }
        record() { "$INCIDENT_BIN" deploy record --service app --version "$1" --result "$2" --strategy "$strategy" -q; }
        case $release in
            missing) echo "deploy: no release file missing; give one of examples/releases/*.env" >&2; exit 64 ;;
            stopped)
                event started ', "version": "0.2.1-crash", "before": ["/lab/releases/initial"]'
                echo "not JSON: a line of text"
                sleep 0.5
                event draining ', "replica": "replica-1"'
                event stopping ', "reason": "replica-1 was not ready", "by": "canary"'
                sleep 0.5
                event serving ', "replica": "replica-1", "version": "0.1.0", "share": 0.5'
                id=$(record 0.2.1-crash rolled-back)
                event done ", \"result\": \"rolled-back\", \"version\": \"0.2.1-crash\", \"deploy\": $id" ;;
            through)
                event started ', "version": "0.2.3-list", "before": ["/lab/releases/initial", "/lab/releases/initial"]'
                event serving ', "replica": "replica-1", "version": "0.2.3-list", "share": 0.5'
                event serving ', "replica": "replica-2", "version": "0.2.3-list", "share": 0.5'
                id=$(record 0.2.3-list succeeded)
                event done ", \"result\": \"succeeded\", \"version\": \"0.2.3-list\", \"deploy\": $id" ;;
            /lab/releases/initial)
                event started ', "version": "0.1.0", "before": []'
                event draining ', "replica": "replica-1"'
                event draining ', "replica": "replica-2"'
                sleep 0.3
                id=$(record 0.1.0 succeeded)
                event done ", \"result\": \"succeeded\", \"version\": \"0.1.0\", \"deploy\": $id" ;;
            dies)
                event started ', "version": "0.2.9-dies", "before": ["/lab/releases/initial"]'
                event serving ', "replica": "replica-1", "version": "0.2.9-dies", "share": 0.5'
                echo "Traceback: KeyError" >&2
                exit 1 ;;
            blind)
                event started ', "version": "0.2.8-blind", "before": ["/lab/releases/initial"]'
                event stopping ', "reason": "Prometheus did not answer", "by": "error"'
                id=$(record 0.2.8-blind rolled-back)
                event done ", \"result\": \"rolled-back\", \"version\": \"0.2.8-blind\", \"deploy\": $id" ;;
            *) exit 70 ;;
        esac
        """#

    /// The game day's options: its probe of the healthy app never detects a step here (100 failed rounds in a
    /// row would take 25 s), so each detection is the deploy's own, even when a loaded machine slows a probe.
    static let options = ["--json", "--interval", "250ms", "--fail-after", "100"]

    func setUp(_ steps: String) throws -> (cli: CLI, scenario: String, command: String) {
        let cli = try CLI()
        let command = cli.directory.path("deploy.sh")
        try Self.deployCommand.write(toFile: command, atomically: true, encoding: .utf8)
        let scenario = cli.directory.path("deploys.yaml")
        try "defaults: {detect_within: 2s, recover_within: 10s}\nsteps:\n\(steps)".write(
            toFile: scenario, atomically: true, encoding: .utf8)
        return (cli, scenario, "sh " + command)
    }

    @Test func aStoppedReleaseIsDetectedByItsCanaryAndOneLetThroughIsRolledBackByTheGameDay() async throws {
        let app = try await AppUnderTest()
        let (cli, scenario, command) = try setUp(
            "  - {name: stopped, deploy: stopped, strategy: canary}\n  - {name: through, deploy: through}\n")
        let run = try await cli.run(
            [
                "gameday", "run", scenario, "--deploy-command", command, "--recover-after", "2",
            ] + Self.options,
            environment: app.cliEnvironment.merging(["INCIDENT_BIN": CLI.binary.path, "PROMETHEUS_URL": ""]) { $1 })
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let steps = try #require(scorecard["steps"] as? [[String: Any]])
        try #require(steps.count == 2)
        #expect(steps[0]["fault"] as? String == "deploy: stopped (canary)")
        #expect(steps[0]["outcome"] as? String == "detected" && steps[0]["exposure"] as? String == "none")
        #expect((steps[0]["note"] as? String)?.contains("the canary stopped it before users saw it") == true)
        #expect(steps[1]["outcome"] as? String == "undetected" && steps[1]["recovered"] as? Bool == true)
        #expect((steps[1]["exposure"] as? String)?.hasPrefix("100% for ") == true, "\(steps[1])")
        #expect((steps[1]["note"] as? String)?.contains("the rolling deploy let it through") == true)

        let stopped = try #require(try await cli.json("show", "1") as? [String: Any])
        #expect(stopped["detection"] as? String == "canary" && stopped["caused_by"] as? Int == 1)
        #expect(stopped["cause_category"] as? String == "deploy" && stopped["status"] as? String == "resolved")
        #expect(stopped["fix"] as? String == "the canary's analysis rolled the release back")
        let through = try #require(try await cli.json("show", "2") as? [String: Any])
        #expect(through["caused_by"] as? Int == 2 && (through["detection"] == nil || through["detection"] is NSNull))
        #expect(through["fix"] as? String == "the game day rolled the release back")
        let times = ["started_at", "mitigated_at", "resolved_at"].compactMap {
            (through[$0] as? String).flatMap(Timestamp.init(rfc3339:))
        }
        #expect(times.count == 3 && times == times.sorted(), "\(through)")
        let deploys = try #require(try await cli.json("deploy", "list") as? [[String: Any]])
        #expect(
            deploys.reversed().map { "\($0["version"] ?? ""):\($0["result"] ?? "")" } == [
                "0.2.1-crash:rolled-back", "0.2.3-list:succeeded", "0.1.0:succeeded",
            ], "the bad deploys and the game day's rollback")
        let report = try #require(try await cli.json("report") as? [String: Any])
        let byFault = (report["detection"] as? [String: Any])?["by_fault_type"] as? [[String: Any]]
        #expect(byFault?.map { $0["fault_type"] as? String } == ["deploy"], "\(report["detection"] ?? "")")
    }

    @Test func aDeployCutShortIsRolledBackAndAStopByAFailingLabDetectsNothing() async throws {
        let app = try await AppUnderTest()
        let (cli, scenario, command) = try setUp("  - deploy: dies\n  - {deploy: blind, strategy: canary}\n")
        let run = try await cli.run(
            ["gameday", "run", scenario, "--deploy-command", command] + Self.options,
            environment: app.cliEnvironment.merging(["INCIDENT_BIN": CLI.binary.path, "PROMETHEUS_URL": ""]) { $1 })
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let steps = try #require(scorecard["steps"] as? [[String: Any]])
        try #require(steps.count == 2)
        #expect(steps[0]["recovered"] as? Bool == true && steps[0]["outcome"] as? String == "undetected")
        #expect((steps[0]["note"] as? String)?.hasPrefix("the deploy ended unfinished after it served 50%") == true)
        #expect(steps[1]["outcome"] as? String == "undetected", "a failing Prometheus is no verdict on the release")
        #expect((steps[1]["note"] as? String)?.contains("(Prometheus did not answer)") == true, "\(steps[1])")
        let deploys = try #require(try await cli.json("deploy", "list") as? [[String: Any]])
        #expect(
            deploys.reversed().map { "\($0["version"] ?? ""):\($0["result"] ?? "")" } == [
                "0.1.0:succeeded", "0.2.8-blind:rolled-back",
            ], "the game day rolled the unfinished deploy back")
    }

    @Test func aReleaseTheDeployCommandRefusesCancelsItsIncidentAndExits64() async throws {
        let app = try await AppUnderTest()
        let (cli, scenario, command) = try setUp("  - deploy: missing\n")
        let run = try await cli.run(
            ["gameday", "run", scenario, "--deploy-command", command, "--interval", "250ms"],
            environment: app.cliEnvironment.merging(["PROMETHEUS_URL": ""]) { $1 })
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("the deploy command refused the release: deploy: no release file missing"))
        let incidents = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(incidents.count == 1 && incidents[0]["status"] as? String == "cancelled", "\(incidents)")
    }

    @Test func aDeployStepWithoutADeployCommandIsRefusedBeforeAnythingRuns() async throws {
        let (cli, scenario, _) = try setUp("  - deploy: through\n")
        let run = try await cli.run(
            ["gameday", "run", scenario, "--target", "http://127.0.0.1:1"],
            environment: ["APP_ADMIN_TOKEN": "t", "INCIDENT_DEPLOY_COMMAND": ""])
        #expect(run.status == 64 && run.stderr.contains("pass --deploy-command"), "\(run.stderr)")
        let missing = try await cli.run(
            ["gameday", "run", scenario, "--target", "http://127.0.0.1:1", "--deploy-command", "/no/deploy.sh x"],
            environment: ["APP_ADMIN_TOKEN": "t"])
        #expect(missing.status == 64 && missing.stderr.contains("/no/deploy.sh is not an executable file"))
        #expect((try await cli.json("list") as? [[String: Any]])?.isEmpty == true, "nothing recorded")
    }
}
