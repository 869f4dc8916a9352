import Testing

@testable import IncidentKit

/// The decisions the stores run inside their transactions, tested on plain records, with no database.
struct DomainRuleTests {
    static let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!

    /// An incident of `app` with the given id, started `start` seconds after ``t0``, and the other times given
    /// in seconds after ``t0``.
    static func incident(
        _ id: Int64, kind: IncidentKind = .real, start: Double, detected: Double? = nil, mitigated: Double? = nil,
        resolved: Double? = nil, cancelled: Bool = false, service: String = "app", target: String? = nil
    ) -> Incident {
        var incident = Incident(title: "#\(id)", service: service, kind: kind, startedAt: t0.adding(seconds: start))
        incident.id = id
        incident.detectedAt = detected.map(t0.adding(seconds:))
        incident.mitigatedAt = mitigated.map(t0.adding(seconds:))
        incident.resolvedAt = resolved.map(t0.adding(seconds:))
        incident.cancelled = cancelled
        incident.target = target
        return incident
    }

    /// An alert named `HighErrorRate` that started `seconds` after ``t0``, with a 15-minute late window.
    static func alert(at seconds: Double, lateWindow: Double = 900) -> AlertRouting {
        AlertRouting(name: "HighErrorRate", startsAt: t0.adding(seconds: seconds), lateWindow: lateWindow)
    }

    @Test func anAlertDetectsTheOngoingUndetectedIncidentInjectedFirstThenTheNewest() {
        let candidates = [
            Self.incident(1, start: 0), Self.incident(2, start: 10), Self.incident(3, kind: .injected, start: 5),
            Self.incident(4, kind: .injected, start: 6, detected: 7),
        ]
        #expect(Self.alert(at: 60).route(among: candidates, lateAlerts: []) == .detect(3))
        #expect(Self.alert(at: 60).route(among: Array(candidates.prefix(2)), lateAlerts: []) == .detect(2))
        #expect(Self.alert(at: 60).route(among: candidates.reversed(), lateAlerts: []) == .detect(3), "any order")
    }

    @Test func anIncidentStillOpenComesBeforeOneThatRecoveredAfterTheAlertStarted() {
        // #2 was ongoing when the alert started but has recovered since (the notification came late).
        let candidates = [
            Self.incident(1, start: 0), Self.incident(2, kind: .injected, start: 10, mitigated: 90, resolved: 95),
        ]
        #expect(Self.alert(at: 60).route(among: candidates, lateAlerts: []) == .detect(1))
        #expect(Self.alert(at: 60).route(among: [candidates[1]], lateAlerts: []) == .detect(2))
    }

    @Test func anAlertOnAnIncidentDetectedAlreadyIsANote() {
        let candidates = [Self.incident(1, start: 0, detected: 5), Self.incident(2, start: 20, detected: 25)]
        #expect(Self.alert(at: 60).route(among: candidates, lateAlerts: []) == .note(2))
    }

    @Test func incidentsCancelledOrStartedAfterTheAlertAreNeverChosen() {
        let candidates = [Self.incident(1, start: 0, cancelled: true), Self.incident(2, start: 61)]
        #expect(Self.alert(at: 60).route(among: candidates, lateAlerts: []) == .open(returning: nil))
    }

    @Test func theFirstAlertOfANameAfterAnUndetectedRecoveryIsLate() {
        let recovered = Self.incident(1, kind: .injected, start: 0, resolved: 30)
        #expect(Self.alert(at: 60).route(among: [recovered], lateAlerts: []) == .late(1))
        #expect(
            Self.alert(at: 60).route(among: [recovered], lateAlerts: [1]) == .open(returning: recovered),
            "a second alert of the name after the recovery is an outage of its own")
        let detected = Self.incident(1, start: 0, detected: 10, resolved: 30)
        #expect(
            Self.alert(at: 60).route(among: [detected], lateAlerts: []) == .open(returning: detected),
            "an incident detected in time is never detected late")
    }

    @Test func theLateWindowBoundsLateDetections() {
        let recovered = Self.incident(1, start: 0, mitigated: 30, resolved: 500)
        // Recovery is the mitigation: 30 s, 900 s before an alert at 930 s.
        #expect(Self.alert(at: 930).route(among: [recovered], lateAlerts: []) == .late(1))
        #expect(Self.alert(at: 930.001).route(among: [recovered], lateAlerts: []) == .open(returning: nil))
        #expect(Self.alert(at: 31, lateWindow: 0).route(among: [recovered], lateAlerts: []) == .open(returning: nil))
        #expect(
            Self.alert(at: 30, lateWindow: 0).route(among: [recovered], lateAlerts: []) == .detect(1),
            "an alert that started the moment the incident recovered saw it ongoing")
    }

    @Test func theIncidentThatRecoveredLastIsTheOneReturning() {
        let candidates = [
            Self.incident(1, start: 0, detected: 1, resolved: 40),
            Self.incident(2, start: 5, detected: 6, resolved: 20),
        ]
        #expect(Self.alert(at: 60).route(among: candidates, lateAlerts: []) == .open(returning: candidates[0]))
    }

    @Test func theCandidatesAStoreFetchesIncludeEveryIncidentTheRouteCanTake() {
        let routing = Self.alert(at: 930)
        #expect(routing.recoveredSince <= Self.t0.adding(seconds: 30), "recovered exactly a late window before")
        #expect(routing.recoveredSince > Self.t0.adding(seconds: 29.99))
    }

    @Test func aDetectorSpeaksForTheOngoingIncidentsOfItsServiceAndTarget() {
        let scope = DetectorScope(service: "app", target: "http://127.0.0.1:8080")
        let candidates = [
            Self.incident(1, start: 0),
            Self.incident(2, kind: .injected, start: 5, target: "http://127.0.0.1:9090"),
            Self.incident(3, start: 10, target: "http://127.0.0.1:8080"),
            Self.incident(4, kind: .injected, start: 1, service: "db"),
            Self.incident(5, start: 20, mitigated: 25),
            Self.incident(6, kind: .injected, start: 30, cancelled: true),
            Self.incident(7, start: 100),
        ]
        #expect(scope.ongoing(among: candidates, at: Self.t0.adding(seconds: 50))?.id == 3)
        #expect(scope.ongoing(among: candidates, at: Self.t0.adding(seconds: 5))?.id == 1, "started by then")
        let anyTarget = DetectorScope(service: "app", target: nil)
        #expect(anyTarget.ongoing(among: candidates, at: Self.t0.adding(seconds: 50))?.id == 2, "injected first")
        #expect(DetectorScope(service: "web", target: nil).ongoing(among: candidates, at: Self.t0) == nil)
    }

    static func run(_ id: Int64, _ conclusion: PipelineConclusion, finished: Double) throws -> PipelineRun {
        try PipelineRun(
            id: id, attempt: 1, workflow: "CI", branch: "main", sha: "abc", event: "push", title: "commit",
            conclusion: conclusion, createdAt: t0, finishedAt: t0.adding(seconds: finished), url: "https://ci/\(id)")
    }

    @Test func aStreakOpensOnAFailureGathersTheRunsAfterItAndEndsOnASuccess() throws {
        var streak = PipelineStreak(open: nil, newest: nil)
        #expect(streak.next(try Self.run(1, .success, finished: 10), recordedOn: nil) == .unrecorded)
        #expect(streak.next(try Self.run(2, .failure, finished: 20), recordedOn: nil) == .open)
        streak.opened(7)
        #expect(streak.next(try Self.run(3, .cancelled, finished: 30), recordedOn: nil) == .join(7))
        #expect(streak.next(try Self.run(4, .timedOut, finished: 40), recordedOn: nil) == .join(7))
        #expect(streak.next(try Self.run(5, .success, finished: 50), recordedOn: nil) == .resolve(7))
        #expect(streak == PipelineStreak(open: nil, newest: Self.t0.adding(seconds: 50)))
        #expect(streak.next(try Self.run(6, .skipped, finished: 60), recordedOn: nil) == .unrecorded)
    }

    @Test func aRunRecordedBeforeOrOlderThanTheNewestChangesNothing() throws {
        var streak = PipelineStreak(open: 3, newest: Self.t0.adding(seconds: 100))
        #expect(streak.next(try Self.run(1, .success, finished: 200), recordedOn: 2) == .known(2))
        #expect(streak.next(try Self.run(2, .success, finished: 99), recordedOn: nil) == .older)
        #expect(streak == PipelineStreak(open: 3, newest: Self.t0.adding(seconds: 100)))
        #expect(streak.next(try Self.run(3, .success, finished: 100), recordedOn: nil) == .resolve(3), "a tie is new")
    }

    @Test func theFailedPreventionIsTheLastOneClosedBeforeTheRecurrenceOfItsServiceAndCause() {
        func done(_ action: Int64, service: String = "app", cause: String = "capacity", start: Double, closed: Double)
            -> ReportAccumulator.DonePrevention
        {
            ReportAccumulator.DonePrevention(
                service: service, causeCategory: cause, incidentStart: Self.t0.adding(seconds: start),
                action: MetricsReport.Prevention(
                    actionId: action, incidentId: 1, title: "fix \(action)", closedAt: Self.t0.adding(seconds: closed)))
        }
        let recurrence = ReportAccumulator.Repeat(
            id: 9, start: Self.t0.adding(seconds: 1000), service: "app", causeCategory: "capacity", earlierId: 1,
            earlierStart: Self.t0)
        let preventions = [
            done(1, start: 0, closed: 500), done(2, start: 0, closed: 800), done(3, start: 0, closed: 800),
            done(4, start: 0, closed: 1001), done(5, service: "db", start: 0, closed: 900),
            done(6, cause: "config", start: 0, closed: 900), done(7, start: 1000, closed: 1000),
        ]
        #expect(ReportAccumulator.failedPrevention(of: recurrence, among: preventions)?.actionId == 2)
        #expect(ReportAccumulator.failedPrevention(of: recurrence, among: preventions.reversed())?.actionId == 2)
        #expect(ReportAccumulator.failedPrevention(of: recurrence, among: Array(preventions.suffix(4))) == nil)
    }
}
