import Foundation
import IncidentKit
import TestSupport
import Testing

/// `incident db copy`: a history moved from an SQLite file to PostgreSQL and back is the same, row for row.
@Suite(.enabled(if: TestPostgres.admin != nil, TestPostgres.skipReason))
struct CopyTests {
    @Test func aHistoryCopiedToPostgreSQLAndBackIsTheSameRowForRow() async throws {
        let directory = try TemporaryDirectory()
        let sourcePath = directory.path("source.db")
        let source = try IncidentStore.open(path: sourcePath, ifMissing: .create)
        let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!
        let now = t0.adding(seconds: 7200)
        var draft = Incident(title: "Checkout 502", kind: .injected, fault: "error probability=1", startedAt: t0)
        draft.target = "http://127.0.0.1:8080"
        let first = try await source.open(draft, by: "alice", now: now).incident.id!
        _ = try await source.resolve(
            first, at: t0.adding(seconds: 600), cause: "bad deploy", category: "deploy", fix: nil,
            prevent: ["canary the next one"], by: "alice", now: now)
        let notice = AlertNotice(
            fingerprint: "fp", name: "AppDown", service: "app", status: .firing, startsAt: t0.adding(seconds: 900),
            endsAt: nil, summary: "app is down", labels: #"{"alertname":"AppDown"}"#, annotations: "{}")
        _ = try await source.recordAlert(notice, lateWindow: 900, by: "alertmanager", now: now)
        func decision(_ title: String) -> DecisionRecord {
            DecisionRecord(
                title: title, context: "why",
                options: [
                    DecisionOption(name: "a", time: "1 h", cost: "none", reliability: "low"),
                    DecisionOption(name: "b", time: "1 d", cost: "some", reliability: "high"),
                ], chosen: 2, rationale: "because", consequences: ["more rules"], incidents: [first],
                slos: ["app-availability"], revisit: nil, decidedAt: t0.adding(seconds: 1200), author: "alice")
        }
        let older = try await source.addDecision(decision("first take")).id!
        let newer = try await source.addDecision(decision("second take")).id!
        _ = try await source.supersede(older, by: newer, at: t0.adding(seconds: 1300))

        let address = try TestPostgres.freshDatabase()
        let team = try await IncidentStore.connect(to: address, ifMissing: .create)
        let copied = try await source.copy(to: team)
        #expect(copied.incidents == 1 && copied.timelineEvents > 3 && copied.isHealthy)
        await #expect(throws: IncidentError.self, "a store with records is never copied into") {
            try await source.copy(to: team)
        }
        let backPath = directory.path("back.db")
        _ = try await team.copy(to: IncidentStore.open(path: backPath, ifMissing: .create))
        #expect(try databaseContents(backPath) == databaseContents(sourcePath))
        let next = try await team.open(Incident(title: "after the copy", startedAt: now), by: "bob", now: now)
        #expect(next.incident.id == 2, "new ids follow the copied ones")
    }
}
