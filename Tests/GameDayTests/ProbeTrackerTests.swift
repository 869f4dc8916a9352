import GameDay
import IncidentKit
import Testing

struct ProbeTrackerTests {
    /// Rounds one second apart from `t0`, good (`.`) or failed (`x`).
    func rounds(_ pattern: String) -> [ProbeRound] {
        let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!
        return pattern.enumerated().map { index, mark in
            ProbeRound(
                at: t0.adding(seconds: Double(index)), end: t0.adding(seconds: Double(index) + 0.2),
                failure: mark == "x" ? "/ answered 500" : nil)
        }
    }

    func changes(_ pattern: String, failAfter: Int = 3, recoverAfter: Int = 3) -> [ProbeTracker.Change] {
        var tracker = ProbeTracker(failAfter: failAfter, recoverAfter: recoverAfter)
        return rounds(pattern).compactMap { tracker.observe($0) }
    }

    @Test func aFailureIsDetectedWhenItsStreakCompletesAndStartsAtItsFirstFailedRound() {
        let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!
        #expect(
            changes("..xxx...") == [
                .detected(firstFailure: t0.adding(seconds: 2), at: t0.adding(seconds: 4.2), reason: "/ answered 500"),
                .recovered(firstSuccess: t0.adding(seconds: 5), at: t0.adding(seconds: 7)),
            ])
    }

    @Test func blipsShorterThanTheStreaksChangeNothing() {
        #expect(changes(".xx.xx.xx.").isEmpty)
        let flapping = changes("xxxx.x..x...")
        #expect(flapping.count == 2, "a good round between failures restarts the recovery streak")
        if case .recovered(let first, _) = flapping.last {
            #expect(first == rounds("xxxx.x..x...")[9].at)
        }
    }

    @Test func oneRoundStreaksDetectAndRecoverAtOnce() {
        #expect(changes("x.", failAfter: 1, recoverAfter: 1).count == 2)
    }
}

/// Recovery on evidence that tells a partial failure from health: a round is good only when all its probes
/// are, and only a streak of such rounds after the failure's known end recovers.
struct PartialFailureTests {
    let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!
    /// The default prober's round: 4 paths asked 5 times each.
    let probes = ProbeSettings.defaultPaths.count * ProbeSettings(target: "http://x").samples

    /// Round `index` (one second apart) in which each probe fails with `probability`.
    func round(_ index: Int, failing probability: Double, _ random: inout SplitMix64) -> ProbeRound {
        let failed = (0..<probes).filter { _ in Double.random(in: 0..<1, using: &random) < probability }.count
        return ProbeRound(
            at: t0.adding(seconds: Double(index)), end: t0.adding(seconds: Double(index) + 0.3),
            failure: failed > 0 ? "/ answered 500" : nil, failed: failed, probes: probes)
    }

    @Test(arguments: [0.2, 0.3, 0.5])
    func aPartialFailureIsDetectedAndNeverPassesForARecovery(probability: Double) {
        let defaults = ProbeSettings(target: "http://x")
        var tracker = ProbeTracker(failAfter: defaults.failAfter, recoverAfter: defaults.recoverAfter)
        var random = SplitMix64(seed: UInt64(probability * 1000))
        var changes: [ProbeTracker.Change] = []
        // Ten minutes of the failure, then the fault's end, then health.
        for index in 0..<600 {
            changes += tracker.observe(round(index, failing: probability, &random)).map { [$0] } ?? []
        }
        #expect(changes.count == 1, "detected once, never recovered while \(probability) of requests fail")
        guard case .detected(let first, _, _)? = changes.first else {
            Issue.record("not detected: \(changes)")
            return
        }
        #expect(first < t0.adding(seconds: 10))
        tracker.failureEnded(at: t0.adding(seconds: 600))
        for index in 600..<620 {
            changes += tracker.observe(round(index, failing: 0, &random)).map { [$0] } ?? []
        }
        #expect(changes.last == .recovered(firstSuccess: t0.adding(seconds: 600), at: t0.adding(seconds: 609)))
    }

    @Test func aFailureTakenUpWaitsForItsEndBeforeGoodRoundsCount() {
        var tracker = ProbeTracker(failAfter: 3, recoverAfter: 3)
        tracker.failureBegan(awaitingEnd: true)
        var random = SplitMix64(seed: 1)
        let before = (0..<20).compactMap { tracker.observe(round($0, failing: 0, &random)) }
        #expect(before.isEmpty, "a fault in force the probes cannot see is not a recovery")
        tracker.failureEnded(at: t0.adding(seconds: 19.5))
        let after = (20..<23).compactMap { tracker.observe(round($0, failing: 0, &random)) }
        #expect(after == [.recovered(firstSuccess: t0.adding(seconds: 20), at: t0.adding(seconds: 22))])
        #expect(tracker.isHealthy)
    }

    @Test func goodRoundsBeforeTheEndDoNotCount() {
        var tracker = ProbeTracker(failAfter: 1, recoverAfter: 3)
        var random = SplitMix64(seed: 2)
        #expect(tracker.observe(round(0, failing: 1, &random)) != nil)
        _ = (1..<3).map { tracker.observe(round($0, failing: 0, &random)) }
        tracker.failureEnded(at: t0.adding(seconds: 2.5))
        let changes = (3..<6).compactMap { tracker.observe(round($0, failing: 0, &random)) }
        #expect(changes == [.recovered(firstSuccess: t0.adding(seconds: 3), at: t0.adding(seconds: 5))])
    }
}
