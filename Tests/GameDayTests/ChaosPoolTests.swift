import FaultCatalog
import Foundation
import IncidentKit
import TestSupport
import Testing

@testable import GameDay

/// Chaos pools: what they accept and refuse, how they draw, when experiments may start, and the record a
/// run leaves (`incident chaos status`).
struct ChaosPoolTests {
    /// `text` as a pool file in `directory`, read back.
    func pool(_ text: String, in directory: TemporaryDirectory, name: String = "pool.yaml") throws -> ChaosPool {
        let path = directory.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ChaosPool.read(file: path)
    }

    let minimal = """
        schedule: {gap: 10s..20s}
        guard: {min_budget_left: 50%, max_budget_spend: 10%}
        faults:
          - fault: error status=500 probability=0.05
        """

    @Test func theExamplePoolReadsWithEveryFaultItDraws() throws {
        let pool = try ChaosPool.read(file: "examples/chaos/pool.yaml")
        #expect(pool.name == "lab chaos" && pool.service == "app")
        #expect(pool.schedule.gap == 20...60 && pool.schedule.hours == nil && pool.schedule.days.isEmpty)
        #expect(pool.guardrails.minBudgetLeft == 0.25 && pool.guardrails.maxBudgetSpend == 0.10)
        #expect(pool.guardrails.stopBurnRate == 50 && pool.guardrails.slos == ["app-availability", "app-latency"])
        let types = Set(pool.entries.compactMap { $0.step.fault?.action.type })
        #expect(types == Set(FaultType.allCases), "every fault type: \(Set(FaultType.allCases).subtracting(types))")
        #expect(pool.entries.filter { $0.hold != 15...30 }.map(\.step.name) == ["the database's disk full"])
        #expect(pool.entries.allSatisfy { $0.step.category == "chaos" && $0.step.severity == .sev4 })
        #expect(
            pool.entries.filter { $0.scope == "1" }.count == 10 && pool.entries.filter { $0.scope == "all" }.isEmpty)
    }

    @Test func defaultsFillWhatAPoolLeavesOut() throws {
        let directory = try TemporaryDirectory()
        let pool = try pool(minimal, in: directory)
        #expect(pool.name == "chaos" && pool.service == "app" && pool.cause == nil)
        #expect(pool.entries[0].weight == 1 && pool.entries[0].hold == 20...20 && pool.entries[0].step.replicas == .all)
        #expect(pool.guardrails.stopBurnRate == 50 && pool.guardrails.slos.isEmpty)
        #expect(pool.schedule.timeZone.secondsFromGMT() == 0)
    }

    @Test(arguments: [
        ("faults:\n  - {fault: error status=500}\nschedule: {gap: 1s}", "guard", "is required"),
        (
            "guard: {min_budget_left: 50%, max_budget_spend: 10%}\nfaults:\n  - {fault: abort}", "schedule",
            "is required"
        ),
        (
            "schedule: {gap: 30s..10s}\nguard: {min_budget_left: 1, max_budget_spend: 0.1}\nfaults:\n  - {fault: abort}",
            "schedule.gap", "the shorter first"
        ),
        (
            "schedule: {gap: 1s, time_zone: Mars/Olympus}\nguard: {min_budget_left: 1, max_budget_spend: 0.1}\n"
                + "faults:\n  - {fault: abort}", "schedule.time_zone", "not a time zone"
        ),
        (
            "schedule: {gap: 1s, hours: 17:00-09:00}\nguard: {min_budget_left: 1, max_budget_spend: 0.1}\n"
                + "faults:\n  - {fault: abort}", "schedule.hours", "a span of the day"
        ),
        (
            "schedule: {gap: 1s, days: [mon, funday]}\nguard: {min_budget_left: 1, max_budget_spend: 0.1}\n"
                + "faults:\n  - {fault: abort}", "schedule.days", "'funday' is not a day"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 150%, max_budget_spend: 0.1}\nfaults:\n  - {fault: abort}",
            "guard.min_budget_left", "from 0% to 100%"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 0%}\nfaults:\n  - {fault: abort}",
            "guard.max_budget_spend", "above 0%"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults: []", "faults",
            "at least one fault"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults:\n  - {deploy: crash-loop}",
            "faults[0].deploy", "a pool draws faults"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults:\n  - {fault: abort, weight: 0}",
            "faults[0].weight", "above 0"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults:\n  - {fault: abort, wieght: 2}",
            "faults[0].wieght", "unknown or unsupported key"
        ),
        (
            "schedule: {gap: 1s}\nguard: {min_budget_left: 50%, max_budget_spend: 5%}\nfaults:\n  - {fault: explode}",
            "faults[0].fault", "explode"
        ),
    ])
    func aBadPoolIsRefusedWithItsFileLineAndKey(text: String, key: String, words: String) throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: IncidentError.self) { try pool(text, in: directory) }
        #expect(error?.exitCode == 65, "\(String(describing: error))")
        #expect(error?.description.contains("pool.yaml:") == true && error?.description.contains(key) == true)
        #expect(error?.description.contains(words) == true, "\(String(describing: error))")
    }

    @Test func aMissingPoolIs66() throws {
        let error = #expect(throws: IncidentError.self) { try ChaosPool.read(file: "/nonexistent/pool.yaml") }
        #expect(error?.exitCode == 66)
    }

    @Test func drawsFollowTheWeightsAndASeedReplaysThem() throws {
        let directory = try TemporaryDirectory()
        let pool = try pool(
            """
            schedule: {gap: 10s..20s}
            guard: {min_budget_left: 50%, max_budget_spend: 10%}
            faults:
              - {fault: abort, weight: 3, hold: 5s..9s}
              - {fault: not_ready, weight: 1}
            """, in: directory)
        var random = SplitMix64(seed: 42)
        let draws = (0..<4000).map { _ in pool.draw(using: &random) }
        let aborts = draws.filter { $0.entry.step.text == "abort" }.count
        #expect((2850...3150).contains(aborts), "about 3 in 4 draws, by weight: \(aborts)")
        #expect(draws.allSatisfy { (10...20).contains($0.gap) })
        #expect(draws.filter { $0.entry.step.text == "abort" }.allSatisfy { (5...9).contains($0.hold) })
        var again = SplitMix64(seed: 42)
        #expect((0..<100).map { _ in pool.draw(using: &again).hold } == draws.prefix(100).map(\.hold))
    }

    @Test func aDrawIsDueAGapAfterTheLastAndNeverBeforeNow() throws {
        let directory = try TemporaryDirectory()
        let pool = try pool(minimal, in: directory)
        let now = Timestamp(rfc3339: "2026-12-04T12:00:00Z")!
        #expect(pool.due(after: nil, gap: 15, now: now) == now.adding(seconds: 15), "a new runner waits a gap")
        #expect(pool.due(after: now.adding(seconds: -5), gap: 15, now: now) == now.adding(seconds: 10))
        #expect(pool.due(after: now.adding(seconds: -600), gap: 15, now: now) == now, "overdue: now")
    }

    @Test func theScheduleKeepsToItsHoursAndDaysInItsTimeZone() throws {
        let directory = try TemporaryDirectory()
        let pool = try pool(
            """
            schedule: {gap: 1m, hours: "09:00-17:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Paris}
            guard: {min_budget_left: 50%, max_budget_spend: 10%}
            faults: [{fault: abort}]
            """, in: directory)
        func next(_ utc: String) -> String? {
            pool.schedule.nextAllowed(from: Timestamp(rfc3339: utc)!.date).map { Timestamp($0).description }
        }
        // Paris is UTC+1 in December: 09:00-17:00 there is 08:00-16:00 UTC.
        #expect(next("2026-12-04T10:30:00Z") == "2026-12-04T10:30:00Z", "a Friday within the hours")
        #expect(next("2026-12-04T07:59:00Z") == "2026-12-04T08:00:00Z", "before opening: at opening")
        #expect(next("2026-12-04T16:00:00Z") == "2026-12-07T08:00:00Z", "Friday's close: Monday morning")
        #expect(next("2026-12-05T12:00:00Z") == "2026-12-07T08:00:00Z", "a Saturday: Monday morning")
    }

    @Test func theStatusCountsWhatRanWhatWasSkippedAndWhy() async throws {
        let directory = try TemporaryDirectory()
        let store = try await IncidentStore.connect(to: directory.path("incidents.db"), ifMissing: .create)
        let pool = try pool(minimal, in: directory)
        let t0 = Timestamp(rfc3339: "2026-12-04T12:00:00Z")!
        func experiment(_ minutes: Double, _ outcome: ChaosExperiment.Outcome, _ reason: String?) -> ChaosExperiment {
            ChaosExperiment(
                pool: pool.name, service: "app", name: "errors", fault: "error status=500", scope: "1", holdS: 20,
                startedAt: t0.adding(seconds: minutes * 60), outcome: outcome, reason: reason, author: "chaos")
        }
        var ids: [Int64] = []
        for (minutes, detected) in [(0.0, 12.0), (10, nil), (20, 30)] {
            var draft = Incident(
                title: "Chaos: errors", kind: .injected, fault: "error status=500",
                startedAt: t0.adding(seconds: minutes * 60))
            draft.detectedAt = detected.map { draft.startedAt.adding(seconds: $0) }
            draft.detection = detected.map { _ in "alert:AppErrorBudgetBurnFast" }
            draft.mitigatedAt = draft.startedAt.adding(seconds: 40)
            let id = try await store.open(draft, by: "chaos", now: t0.adding(seconds: 7200)).incident.id!
            let running = try await store.recordChaos(experiment(minutes, .running, nil))
            try await store.linkChaos(running.id!, incident: id)
            _ = try await store.endChaos(
                running.id!, incident: id, outcome: minutes == 20 ? .halted : .completed,
                reason: minutes == 20 ? "app-availability (99.9%) burned its budget at 90.0×" : nil,
                at: draft.startedAt.adding(seconds: 45))
            ids.append(id)
        }
        _ = try await store.recordChaos(
            experiment(30, .skipped, "paging alert(s) firing: AppErrorBudgetBurnFast (app)"))
        _ = try await store.recordChaos(
            experiment(31, .skipped, "a real incident of app is open (#9): users come first"))
        _ = try await store.recordChaos(experiment(32, .skipped, "paging alert(s) firing: AppTargetDown (app); x"))
        let experiments = try await store.chaosExperiments(pool: pool.name, service: "app", since: nil)
        #expect(experiments.map(\.incidentId) == ids.map { $0 } + [nil, nil, nil])
        let summary = try await ChaosSummary.of(experiments, pool: pool, since: nil, store: store)
        #expect((summary.draws, summary.completed, summary.halted, summary.skipped) == (6, 2, 1, 3))
        #expect(summary.skippedBy.map(\.reason) == ["a paging alert fired", "a real incident was open"])
        #expect(summary.skippedBy.map(\.count) == [2, 1])
        #expect(summary.detected == 2 && summary.detectionRate == 2.0 / 3 && summary.ttd.median == 21)
        #expect(summary.haltedExperiments.map(\.incident) == [ids[2]])
        #expect(summary.lines.contains("  skipped 2×: a paging alert fired"))
        #expect(try await store.chaosExperiments(pool: "another", service: nil, since: nil).isEmpty)
        #expect(try await store.chaosExperiments(pool: nil, service: nil, since: t0.adding(seconds: 1800)).count == 3)
        await #expect(throws: IncidentError.self) {
            _ = try await store.endChaos(experiments[0].id!, incident: nil, outcome: .halted, reason: nil, at: t0)
        }
    }
}
