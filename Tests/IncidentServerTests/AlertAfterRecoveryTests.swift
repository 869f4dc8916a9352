import Foundation
import IncidentKit
import Testing

/// An alert that starts after an incident recovered is never hidden in a note on it: it is a late detection
/// only as the first alert of its name on an incident nobody detected; otherwise it opens an incident of its
/// own that names the earlier one, whose failure may be returning.
struct AlertAfterRecoveryTests {
    /// An injected incident that lasted 9 minutes until `recoveredAgo` seconds ago, detected by an alert or by
    /// nobody.
    func recovered(_ receiver: Receiver, detected: Bool, recoveredAgo: Double = 60) async throws -> Int64 {
        let now = Timestamp.now
        let id = try await receiver.store.open(
            Incident(
                title: "drill", kind: .injected, fault: "abort", startedAt: now.adding(seconds: -recoveredAgo - 540)),
            by: "t", now: now
        ).incident.id!
        if detected {
            _ = try await receiver.store.detect(
                id, at: now.adding(seconds: -recoveredAgo - 530), via: "alert:AppTargetDown", by: "t", now: now)
        }
        _ = try await receiver.store.mitigate(id, at: now.adding(seconds: -recoveredAgo), by: "t", now: now)
        return id
    }

    func fire(_ receiver: Receiver, _ name: String, startedAgo: Double) async throws {
        let startsAt = Timestamp.now.adding(seconds: -startedAgo).description
        try await receiver.test { client in
            let payload = Receiver.payload([Receiver.alert(name, startsAt: startsAt, fingerprint: "fp-\(startsAt)")])
            let answer = try await receiver.post(payload, client)
            #expect(answer.status == .ok)
        }
    }

    @Test func anAlertAfterTheRecoveryOfADetectedIncidentOpensANewOne() async throws {
        let receiver = try await Receiver()
        let first = try await recovered(receiver, detected: true)
        try await fire(receiver, "AppTargetDown", startedAgo: 20)
        let incidents = try await receiver.incidents()
        #expect(incidents.count == 2, "a new outage, not a note on #\(first)")
        let new = try #require(incidents.first { $0.id != first })
        #expect(new.detection == "alert:AppTargetDown" && new.kind == .real && new.mitigatedAt == nil)
        let timeline = try await receiver.store.detail(new.id!).timeline
        #expect(timeline.contains { $0.text.contains("may be the failure of #\(first) returning") })
        #expect(try await receiver.store.detail(first).timeline.last?.kind == .mitigated, "#\(first) untouched")
    }

    @Test func onlyTheFirstLateAlertOfANameIsALateDetection() async throws {
        let receiver = try await Receiver()
        let first = try await recovered(receiver, detected: false)
        try await fire(receiver, "AppErrorBudgetBurnSlow", startedAgo: 50)
        try await fire(receiver, "AppProbeFailing", startedAgo: 45)
        #expect(try await receiver.incidents().count == 1, "two detectors late on the same failure")
        let late = try await receiver.store.detail(first).timeline.filter { $0.kind == .lateDetection }
        #expect(late.count == 2)
        try await fire(receiver, "AppErrorBudgetBurnSlow", startedAgo: 10)
        let incidents = try await receiver.incidents()
        #expect(incidents.count == 2, "the same alert starting again is a new outage")
        #expect(try await receiver.store.detail(first).incident.detectedAt == nil)
    }

    @Test func anAlertLongAfterTheLateWindowOpensAnIncidentWithoutNamingTheOldOne() async throws {
        let receiver = try await Receiver()
        let first = try await recovered(receiver, detected: true, recoveredAgo: 1000)
        try await fire(receiver, "AppTargetDown", startedAgo: 5)
        let new = try #require(try await receiver.incidents().first { $0.id != first })
        let timeline = try await receiver.store.detail(new.id!).timeline
        #expect(timeline.contains { $0.text.contains("may be the failure") } == false)
    }
}
