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
