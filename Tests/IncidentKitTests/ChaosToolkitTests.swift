import Foundation
import IncidentKit
import Testing

/// Real journals of `chaos run` against the app (Fixtures/chaostoolkit), read as injected incidents.
struct ChaosToolkitTests {
    static let fixtures = ReportMarkdownTests.fixtures.appendingPathComponent("chaostoolkit")

    func journal(_ name: String) throws -> ChaosToolkitJournal {
        try ChaosToolkitJournal(data: Data(contentsOf: Self.fixtures.appendingPathComponent(name)), file: name)
    }

    func incident(_ name: String) throws -> IncidentDetail {
        try journal(name).incident(service: "app", author: "ctk", now: Timestamp(rfc3339: "2026-12-01T00:00:00Z")!)
    }

    @Test func aDeviatedRunIsAnInjectedIncidentDetectedByItsProbe() throws {
        let detail = try incident("deviated.json")
        let incident = detail.incident
        #expect(incident.kind == .injected)
        #expect(
            incident.fault == "error status=503 route=/api/* duration_s=120", "the body the action posted, canonical")
        #expect(
            incident.startedAt.description == "2026-11-29T09:43:42.761Z",
            "the app's activated_at, not Chaos Toolkit's clock")
        #expect(incident.detectedAt?.description == "2026-11-29T09:43:44.772Z" && incident.detection == "probe")
        #expect(incident.mitigatedAt?.description == "2026-11-29T09:43:44.778Z", "the last rollback's end")
        #expect(incident.resolvedAt?.description == "2026-11-29T09:43:44.778Z")
        #expect(incident.cause == "chaos experiment: The notes API survives 503s from half its requests")
        #expect(detail.timeline.last?.text.contains("status completed, deviated true") == true)
        #expect(
            detail.sources == [
                "chaostoolkit:The notes API survives 503s from half its requests@2026-11-29T09:43:42.743313+00:00"
            ])
    }

    @Test func aHeldHypothesisLeavesTheFailureUndetected() throws {
        let incident = try incident("held.json").incident
        #expect(incident.detectedAt == nil && incident.detection == nil)
        #expect(incident.fault == "latency ms=50 jitter_ms=0 route=/api/* duration_s=120")
    }

    @Test func aRunWhoseInjectionWasRefusedIsNotAnIncident() throws {
        #expect {
            try incident("refused.json")
        } throws: { error in
            (error as? IncidentError)?.exitCode == 65
                && "\(error)".contains("the injection action 'inject-error-503' got HTTP 401")
        }
        #expect(throws: IncidentError.self) { try ChaosToolkitJournal(data: Data("[1]".utf8), file: "x.json") }
        #expect(throws: IncidentError.self) { try ChaosToolkitJournal(data: Data(#"{"run":[]}"#.utf8), file: "x.json") }
    }

    @Test func importingAJournalTwiceAddsItOnce() async throws {
        let f = try await StoreFixture()
        let details = [try incident("deviated.json"), try incident("held.json")]
        let first = try await f.store.add(details, now: .now)
        #expect(first.added.count == 2 && first.known.isEmpty)
        let again = try await f.store.add([details[0]], now: .now)
        #expect(again.added.isEmpty && again.known == [first.added[0]])
        #expect(try await f.store.list().count == 2)
    }
}
