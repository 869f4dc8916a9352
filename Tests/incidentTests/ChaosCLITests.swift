import Foundation
import TestSupport
import Testing

/// `incident chaos …` run as a user would, without a lab: what it refuses, and what a guard that cannot see
/// does (the lab's run is scripts/chaos-e2e.sh, in CI).
struct ChaosCLITests {
    let root = FileManager.default.currentDirectoryPath
    /// A port nothing listens on: Prometheus is down.
    let deadPrometheus = "http://127.0.0.1:9"

    var pool: String { root + "/examples/chaos/pool.yaml" }
    var sloDir: String { root + "/ops/slo" }

    @Test func aDryRunShowsTheNextDrawsAndAGuardThatCannotSeeRefuses() async throws {
        let cli = try CLI()
        let dry = try await cli.run(
            "chaos", "run", pool, "--dry-run", "--seed", "7", "--profile", "lab", "--slo-dir", sloDir,
            "--prometheus", deadPrometheus)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("The next draws of lab chaos (app)"))
        #expect(dry.stdout.contains("The guard now, for the first: it would refuse"))
        #expect(dry.stdout.contains("FAIL budget left: the SLOs cannot be measured"))
        #expect(dry.stdout.contains("ok   open incidents: no incident of app is open"))
        let again = try await cli.run(
            "chaos", "run", pool, "--dry-run", "--seed", "7", "--profile", "lab", "--slo-dir", sloDir,
            "--prometheus", deadPrometheus, "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let draws = try #require(object["draws"] as? [[String: Any]])
        #expect(draws.count == 5 && object["guard_allows"] as? Bool == false)
        #expect(!FileManager.default.fileExists(atPath: cli.database) || cli.database.hasPrefix("postgres"))
    }

    @Test func anOpenRealIncidentIsOneOfTheGuardsRefusals() async throws {
        let cli = try CLI()
        #expect(try await cli.run("open", "Checkout is down", "-q").status == 0)
        let dry = try await cli.run(
            "chaos", "run", pool, "--dry-run", "--slo-dir", sloDir, "--prometheus", deadPrometheus)
        #expect(dry.stdout.contains("FAIL open incidents: a real incident of app is open (#1): users come first"))
    }

    @Test func aBadPoolAGuardOfUnknownSLOsAndADeadTargetAreRefusedBeforeAnythingRuns() async throws {
        let cli = try CLI()
        let bad = cli.directory.path("bad.yaml")
        try "schedule: {gap: 1s}\nguard: {min_budget_left: 50%}\nfaults: [{fault: abort}]\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await cli.run("chaos", "run", bad, "--slo-dir", sloDir)
        #expect(
            refused.status == 65 && refused.stderr.contains("bad.yaml:2") && refused.stderr.contains("max_budget_spend")
        )
        #expect(try await cli.run("chaos", "run", cli.directory.path("none.yaml")).status == 66)
        let unknown = cli.directory.path("unknown.yaml")
        try "schedule: {gap: 1s}\nguard: {slos: [checkout-latency], min_budget_left: 50%, max_budget_spend: 5%}\n"
            .appending("faults: [{fault: abort}]\n").write(toFile: unknown, atomically: true, encoding: .utf8)
        let noSLO = try await cli.run(
            "chaos", "run", unknown, "--dry-run", "--slo-dir", sloDir, "--prometheus", deadPrometheus)
        #expect(noSLO.status == 64 && noSLO.stderr.contains("checkout-latency, which is no SLO of app"))
        let dead = try await cli.run(
            "chaos", "run", pool, "--slo-dir", sloDir, "--target", "http://127.0.0.1:9", "--replica",
            "http://127.0.0.1:9", "--until", "10m", environment: ["APP_ADMIN_TOKEN": "t"])
        #expect(dead.status == 69 && dead.stderr.contains("INCIDENT_LAB_URL"), "outside faults need the lab's keeper")
        let appOnly = cli.directory.path("app.yaml")
        try "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults: [{fault: abort}]\n"
            .write(toFile: appOnly, atomically: true, encoding: .utf8)
        let down = try await cli.run(
            "chaos", "run", appOnly, "--slo-dir", sloDir, "--target", "http://127.0.0.1:9", "--until", "10m",
            environment: ["APP_ADMIN_TOKEN": "t"])
        #expect(down.status == 69 && down.stderr.contains("127.0.0.1:9"), "\(down.stderr)")
        let status = try await cli.json(
            ["chaos", "status", pool, "--slo-dir", sloDir, "--prometheus", deadPrometheus])
        let summary = try #require(status as? [String: Any])
        #expect(summary["draws"] as? Int == 0 && summary["budget_problem"] is String, "nothing was recorded")
        let until = try await cli.run("chaos", "run", pool, "--until", "2020-01-01T00:00:00Z", "--slo-dir", sloDir)
        #expect(until.status == 64 && until.stderr.contains("not in the future"))
    }
}
