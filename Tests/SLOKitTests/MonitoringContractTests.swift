import Foundation
import MonitoringContract
import SLOKit
import TestSupport
import Testing

/// The monitoring contract (Sources/MonitoringContract/monitoring.json): what the build embeds, and the same
/// facts as scripts/make_rules.py reads them from the file.
struct MonitoringContractTests {
    static let contract = MonitoringContract.current

    @Test func theEmbeddedFileHoldsBothProfilesAndAscendingBounds() {
        #expect(Self.contract.profiles.map(\.name) == ["production", "lab"])
        for bounds in [Self.contract.requestDurationBucketsSeconds, Self.contract.storeDurationBucketsSeconds] {
            #expect(!bounds.isEmpty && bounds == bounds.sorted() && Set(bounds).count == bounds.count)
            #expect(bounds.allSatisfy { $0 > 0 && $0.isFinite })
        }
        // The latency objective reads the le="0.3" bucket: it must be a bound.
        #expect(Self.contract.requestDurationBucketsSeconds.contains(0.3))
    }

    @Test func labDurationsAreDividedBySixtyRoundedUpAndNeverUnderTheFloor() {
        let lab = RuleProfile.lab
        #expect(lab.seconds(300) == 5)
        #expect(lab.seconds(3600) == 60)
        #expect(lab.seconds(259_200) == 4320)
        #expect(lab.seconds(120) == 4, "2 s is under the 4-s floor")
        #expect(lab.seconds(301) == 6, "a part of a lab second counts as a whole one")
        #expect(lab.seconds(0) == 0)
        #expect(RuleProfile.production.seconds(301) == 301)
    }

    /// The script that makes the alert rules and their tests reads the same file: its profiles scale every
    /// duration as Swift does, and its histogram series have the app's bounds, spelled as the app spells them.
    @Test(.enabled(if: toolAvailable("python3"), "needs python3, which .ci/run installs"))
    func makeRulesReadsTheSameFacts() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let durations = [0, 1, 59, 60, 61, 120, 239, 240, 241, 300, 301, 1800, 3600, 7200, 14_400, 86_400, 259_200]
        let script = """
            import json, sys
            sys.path.insert(0, sys.argv[1] + "/scripts")
            import make_rules
            durations = json.loads(sys.argv[2])
            print(json.dumps(dict(
                profiles={p.name: [p.seconds(d) for d in durations] for p in make_rules.PROFILES},
                intervals={p.name: p.interval_s for p in make_rules.PROFILES},
                buckets=make_rules.BUCKETS)))
            """
        let durationsJSON = String(decoding: try JSONEncoder().encode(durations), as: UTF8.self)
        let run = try await runProcess("/usr/bin/env", ["python3", "-c", script, root.path, durationsJSON])
        try #require(run.status == 0, "\(run.errors)")
        struct Facts: Decodable {
            var profiles: [String: [Int]]
            var intervals: [String: Int]
            var buckets: [String]
        }
        let facts = try JSONDecoder().decode(Facts.self, from: Data(run.output.utf8))
        for profile in Self.contract.profiles {
            #expect(facts.profiles[profile.name] == durations.map(profile.seconds), "\(profile.name)")
            #expect(facts.intervals[profile.name] == profile.intervalSeconds, "\(profile.name)")
        }
        let goStyle = Self.contract.requestDurationBucketsSeconds.map { bound in
            bound == bound.rounded() ? String(Int(bound)) : String(bound)
        }
        #expect(facts.buckets == goStyle + ["+Inf"])
    }
}
