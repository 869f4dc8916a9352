import Foundation
import IncidentKit
import TestSupport
import Testing

@testable import GameDay

struct DeployRunTests {
    func event(_ kind: String, at seconds: Int64, replica: String? = nil, version: String? = nil, share: Double? = nil)
        -> DeployRun.Event
    {
        DeployRun.Event(
            event: kind, atMs: seconds * 1000, replica: replica, version: version, share: share)
    }

    @Test func aCanaryStoppedBeforeItTookTrafficExposedNoOne() {
        var exposure = Exposure()
        exposure.observe(event("started", at: 0, version: "0.2.1-crash"))
        exposure.observe(event("draining", at: 1, replica: "replica-1"))
        exposure.observe(event("serving", at: 12, replica: "replica-1", version: "0.2.0", share: 0.33))
        #expect(exposure.text(upTo: Timestamp(milliseconds: 20_000)) == "none")
        #expect(exposure.seconds(upTo: Timestamp(milliseconds: 20_000)) == 0)
    }

    @Test func exposureRunsFromTheFirstReplicaServingTheReleaseToTheLastDrained() {
        var exposure = Exposure()
        exposure.observe(event("started", at: 0, version: "0.2.3-list"))
        exposure.observe(event("serving", at: 2, replica: "replica-1", version: "0.2.3-list", share: 0.33))
        exposure.observe(event("serving", at: 5, replica: "replica-2", version: "0.2.3-list", share: 0.33))
        exposure.observe(event("serving", at: 8, replica: "replica-3", version: "0.2.3-list", share: 0.34))
        #expect(exposure.text(upTo: Timestamp(milliseconds: 30_000), ofTraffic: true) == "100% of the traffic for 28s")
        // The rollback: the release leaves rotation one replica at a time.
        exposure.observe(event("started", at: 40, version: "0.2.0"))
        exposure.observe(event("draining", at: 41, replica: "replica-3"))
        exposure.observe(event("serving", at: 44, replica: "replica-3", version: "0.2.0", share: 0.34))
        exposure.observe(event("draining", at: 45, replica: "replica-2"))
        exposure.observe(event("draining", at: 48, replica: "replica-1"))
        #expect(exposure.text(upTo: Timestamp(milliseconds: 99_000)) == "100% for 46s")
    }

    @Test func theDeployCommandsEventsAreReadAsTheyComeAndOtherLinesAsMessages() async throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("deploy.sh")
        try """
        #!/bin/sh
        echo '{"event": "started", "at_ms": 1000, "version": "'"$1"'", "before": ["/lab/releases/initial"]}'
        echo 'Traceback: not JSON'
        printf '{"event": "done", "at_ms": 2000, "result": "rolled-back", "deploy": 7, "notes": "%s"}\\n' "$3"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        var run = try DeployRun(command: "sh '\(script)'", arguments: ["0.2.1-crash", "--strategy", "canary it"])
        defer { run.discard() }
        #expect(await run.process.waitUntilExit() == 0)
        let events = run.events()
        #expect(events.map(\.event) == ["started", "message", "done"])
        #expect(events[0].version == "0.2.1-crash" && events[0].before == ["/lab/releases/initial"])
        #expect(events[1].message == "Traceback: not JSON")
        #expect(events[2].deploy == 7 && events[2].notes == "canary it" && events[2].at.milliseconds == 2000)
        #expect(run.events().isEmpty, "each event is read once")
    }
}
