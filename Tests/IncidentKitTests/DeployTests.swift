import Foundation
import TestSupport
import Testing

@testable import IncidentKit

/// Deploys: the checks, the store, the link from an incident to the deploy that caused it, the suggestion
/// note, export and import, GitHub's deployments, and the report's four keys (with a golden file).
struct DeployTests {
    /// A deploy of `service` finished `minutes` after the fixture's t0, committed `lead` minutes before.
    func draft(
        _ f: StoreFixture, _ version: String = "1.4.2", at minutes: Double = 0, lead: Double? = 120,
        result: DeployResult = .succeeded, service: String = "app"
    ) -> Deploy {
        Deploy(
            service: service, version: version, commitSha: lead.map { _ in "a84d88e7554fc1fa21bcbc4e" },
            committedAt: lead.map { f.at(minutes - $0) }, deployedAt: f.at(minutes), result: result,
            strategy: "rolling", author: "alice", recordedAt: f.now)
    }

    @discardableResult
    func record(_ f: StoreFixture, _ deploy: Deploy, now: Timestamp? = nil) async throws -> Int64 {
        try await f.store.recordDeploy(deploy, now: now ?? f.now).deploy.id!
    }

    @Test func aDeployIsStoredCheckedAndReadBack() async throws {
        let f = try await StoreFixture()
        var given = draft(f)
        given.commitSha = "A84D88E7554FC1FA21BCBC4E"
        let detail = try await f.store.recordDeploy(given, now: f.now)
        #expect(detail.deploy.id == 1 && detail.deploy.commitSha == "a84d88e7554fc1fa21bcbc4e", "commit in lower case")
        #expect(detail.deploy.leadTime == 7200 && detail.incidents.isEmpty)
        #expect(try await f.store.deploy(1) == detail)
        try await record(f, draft(f, "1.4.3", at: 30, service: "checkout"))
        #expect(try await f.store.deploys(DeployFilter()).map(\.version) == ["1.4.3", "1.4.2"], "newest first")
        #expect(try await f.store.deploys(DeployFilter(service: "check*")).map(\.version) == ["1.4.3"])
        #expect(try await f.store.deploys(DeployFilter(since: f.at(10))).map(\.version) == ["1.4.3"])
        #expect(try await f.store.deploys(DeployFilter(until: f.at(10))).map(\.version) == ["1.4.2"])
    }

    @Test func badDeploysAreRefusedAndChangeNothing() async throws {
        let f = try await StoreFixture()
        var cases: [(Deploy, String)] = []
        func bad(_ words: String, _ change: (inout Deploy) -> Void) {
            var deploy = draft(f)
            change(&deploy)
            cases.append((deploy, words))
        }
        bad("the version is empty") { $0.version = "" }
        bad("space around it") { $0.version = " 1.4.2" }
        bad("line break") { $0.version = "1.4\n2" }
        bad("more than the 200 allowed") { $0.version = String(repeating: "9", count: 201) }
        bad("not a commit id") { $0.commitSha = "xyz" }
        bad("not a commit id") { $0.commitSha = "abc12" }
        bad("after the deploy") { $0.committedAt = f.at(5) }
        bad("more than 5 minutes after now") { $0.deployedAt = f.now.adding(seconds: 301) }
        bad("not one word") { $0.strategy = "blue green" }
        bad("the service 'the app'") { $0.service = "the app" }
        for (deploy, words) in cases {
            let status: Int32 = ["more than 5 minutes after now", "after the deploy"].contains(words) ? 65 : 64
            try await f.expectRefused(status, words) { _ = try await f.store.recordDeploy(deploy, now: f.now) }
        }
        try await f.expectRefused(66, "no deploy #7") { _ = try await f.store.deploy(7) }
    }

    @Test func anIncidentNamesTheDeployThatCausedIt() async throws {
        let f = try await StoreFixture()
        let deploy = try await record(f, draft(f, at: 0))
        let incident = try await f.open("Checkout returns 500", at: 5)
        try await f.expectRefused(66, "no deploy #9") {
            _ = try await f.store.edit(incident, [(.causedBy, "9")], at: f.at(20), by: "alice", now: f.now)
        }
        try await f.expectRefused(64, "not a deploy id") {
            _ = try await f.store.edit(incident, [(.causedBy, "nine")], at: f.at(20), by: "alice", now: f.now)
        }
        let edited = try await f.store.edit(
            incident, [(.causedBy, "#\(deploy)")], at: f.at(20), by: "alice", now: f.now)
        #expect(edited.incident.causedBy == deploy)
        #expect(edited.timeline.last?.text == "caused-by: (unset) → deploy #\(deploy)")
        _ = try await f.store.resolve(
            incident, at: f.at(25), cause: "bad release", category: nil, fix: nil, prevent: [], by: "alice", now: f.now)
        let listed = try await f.store.deploy(deploy).incidents
        #expect(listed.map(\.id) == [incident] && listed[0].ttrS == 1200 && listed[0].status == .resolved)
        var draft = Incident(title: "Opened with its cause", startedAt: f.at(6))
        draft.causedBy = 99
        try await f.expectRefused(66, "no deploy #99") { _ = try await f.store.open(draft, by: "alice", now: f.now) }
        let cleared = try await f.store.edit(incident, [(.causedBy, nil)], at: f.at(30), by: "alice", now: f.now)
        #expect(cleared.incident.causedBy == nil)
    }

    @Test func aRealIncidentSoonAfterADeployOfItsServiceGetsANoteNotALink() async throws {
        let f = try await StoreFixture()
        try await record(f, draft(f, "1.4.1", at: -500))  // over two hours before: too old
        let recent = try await record(f, draft(f, "1.4.2", at: -180))
        try await record(f, draft(f, "9.9", at: -179, service: "search"))  // another service
        let near = try await f.store.detail(try await f.open("Checkout returns 500", at: -176))
        #expect(near.incident.causedBy == nil, "a suspect, never set silently")
        let note = try #require(near.timeline.first { $0.kind == .note })
        #expect(
            note.text
                == "deploy #\(recent) of app (1.4.2, succeeded) finished 4m00s before this incident started; if it "
                + "caused this incident: incident edit \(near.incident.id!) --caused-by \(recent)")
        let during = try await f.store.detail(try await f.open("Latency during the rollout", at: -190))
        #expect(during.timeline.contains { $0.kind == .note && $0.text.contains("10m00s after it") })
        let injected = try await f.store.detail(try await f.open("Game day", at: -177, kind: .injected))
        let far = try await f.store.detail(try await f.open("Much later", at: -30))
        let elsewhere = try await f.store.detail(try await f.open("Other service", at: -177, service: "billing"))
        for detail in [injected, far, elsewhere] {
            #expect(!detail.timeline.contains { $0.kind == .note }, "\(detail.incident.title)")
        }
        // An alert may open the incident before the pipeline records the deploy that caused it: recording the
        // deploy names it on the incidents of its service that started during or soon after it.
        let rollout = try await record(f, draft(f, "1.4.3", at: -28))
        let before = try await f.store.detail(far.incident.id!)
        #expect(
            before.timeline.last?.text
                == "deploy #\(rollout) of app (1.4.3, succeeded) finished 2m00s after it; if it caused this incident: "
                + "incident edit \(far.incident.id!) --caused-by \(rollout)")
        #expect(try await f.store.detail(elsewhere.incident.id!).timeline.count == elsewhere.timeline.count)
        try await record(f, draft(f, "1.4.4", at: -27))
        #expect(try await f.store.detail(far.incident.id!).timeline == before.timeline, "one suspect an incident")
    }

    @Test func theSuspectIsTheClosestDeployBeforeTheStartElseTheFirstDuringIt() async throws {
        let f = try await StoreFixture()
        let closest = try await record(f, draft(f, "A", at: -31))
        try await record(f, draft(f, "B", at: -20))  // after the start: a rollout still going on
        let note = try await f.store.detail(try await f.open("Errors", at: -30)).timeline.first { $0.kind == .note }
        #expect(note?.text.contains("deploy #\(closest) of app (A, succeeded) finished 1m00s before") == true)
        let later = try await f.store.detail(try await f.open("Latency", at: -25, service: "app"))
        #expect(
            later.timeline.contains { $0.text.contains("deploy #\(closest) of app (A") }, "A is still closest before")
        let alone = try await f.store.detail(try await f.open("Nothing before", at: -40))
        #expect(alone.timeline.contains { $0.text.contains("(A, succeeded) finished 9m00s after it") })
    }

    @Test func exportAndImportCarryDeploysAndLinks() async throws {
        let f = try await StoreFixture()
        let deploy = try await record(f, draft(f))
        var later = draft(f, "1.4.3", at: 20, lead: nil, result: .rolledBack)
        later.notes = "canary: 5xx 4.1 %, over 1 %;\nrolled back"
        try await record(f, later)
        let incident = try await f.open("Checkout returns 500", at: 5)
        _ = try await f.store.edit(incident, [(.causedBy, String(deploy))], at: f.at(6), by: "alice", now: f.now)
        for format in [TransferFormat.jsonl, .csv] {
            let exported = try await exportText(f.store, format)
            let copy = try await StoreFixture()
            let summary = try await importText(copy.store, exported, format)
            #expect(summary.deploys == 2 && summary.incidents == 1, "\(format)")
            #expect(try await exportText(copy.store, format) == exported, "\(format) round trip")
            let again = try await importText(copy.store, exported, format)
            #expect(again.knownDeploys == 2 && again.deploys == 0 && again.known == 1)
            let changed = exported.replacingOccurrences(of: "1.4.3", with: "1.4.4")
            try await copy.expectRefused(65, "deploy #2 exists already with other version") {
                _ = try await importText(copy.store, changed, format)
            }
        }
        let orphan = try await exportText(f.store, .jsonl).split(separator: "\n").filter { !$0.contains("\"deploy\"") }
            .joined(separator: "\n")
        let empty = try await StoreFixture()
        try await empty.expectRefused(65, "line 1: no deploy #\(deploy)") {
            _ = try await importText(empty.store, orphan, .jsonl)
        }
    }

    @Test func aCSVHeaderMissingSomeLaterColumnsIsRefused() async throws {
        let f = try await StoreFixture()
        var deploy = draft(f)
        deploy.notes = "kept"
        try await record(f, deploy)
        let lines = try await exportText(f.store, .csv).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let notes = try #require(lines[0].firstIndex(of: "notes"))
        let withoutNotes = lines.map { row in row.enumerated().filter { $0.offset != notes }.map(\.element) }
            .map { $0.joined(separator: ",") }.joined(separator: "\n")
        let copy = try await StoreFixture()
        try await copy.expectRefused(65, "the header has no column 'notes'") {
            _ = try await importText(copy.store, withoutNotes, .csv)
        }
    }

    @Test func anExportWrittenBeforeDeploysStillImports() async throws {
        let f = try await StoreFixture()
        try await f.open("Checkout returns 500", at: 5)
        let jsonl = try await exportText(f.store, .jsonl).replacingOccurrences(of: "\"caused_by\":null,", with: "")
        #expect(!jsonl.contains("caused_by"))
        let csv = try await exportText(f.store, .csv)
        var lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        lines = lines.map { Array($0.prefix(36)) }  // the columns before v7 deploys
        let oldCSV = lines.map { $0.joined(separator: ",") }.joined(separator: "\n")
        #expect(!oldCSV.contains("caused_by"))
        for (text, format) in [(jsonl, TransferFormat.jsonl), (oldCSV, .csv)] {
            let copy = try await StoreFixture()
            #expect(try await importText(copy.store, text, format).incidents == 1, "\(format)")
        }
    }

    @Test func aCopyCarriesDeploysAndLinks() async throws {
        let f = try await StoreFixture()
        let deploy = try await record(f, draft(f))
        let incident = try await f.open("Checkout returns 500", at: 5)
        _ = try await f.store.edit(incident, [(.causedBy, String(deploy))], at: f.at(6), by: "alice", now: f.now)
        let directory = try TemporaryDirectory()
        let destination = try await IncidentStore.connect(to: directory.path("copy.db"), ifMissing: .create)
        _ = try await f.store.copy(to: destination)
        #expect(try await destination.deploy(deploy) == f.store.deploy(deploy))
        #expect(try await exportText(destination, .jsonl) == exportText(f.store, .jsonl))
    }

    @Test func gitHubDeploymentsAreReadStrictlyAndImportedOnce() async throws {
        let f = try await StoreFixture()
        let file = """
            [
             {"id": 101, "sha": "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d", "ref": "v1.4.0", "environment": "production",
              "production_environment": true, "created_at": "2026-11-28T09:00:00Z", "description": "Deploy v1.4.0",
              "committed_at": "2026-11-28T08:00:00Z", "creator": {"login": "hubot"},
              "statuses": [{"state": "inactive", "created_at": "2026-11-28T10:00:00Z"},
                           {"state": "success", "created_at": "2026-11-28T09:05:00Z"},
                           {"state": "in_progress", "created_at": "2026-11-28T09:01:00Z"}]},
             {"id": 102, "sha": "b84d88e7554fc1fa21bcbc4efae3c782a70d2b9d", "ref": "v1.4.1", "environment": "prod",
              "production_environment": true, "created_at": "2026-11-28T09:30:00Z",
              "statuses": [{"state": "success", "created_at": "2026-11-28T09:31:00Z"},
                           {"state": "failure", "created_at": "2026-11-28T09:33:00Z"}]},
             {"id": 103, "sha": "c84d88e7554fc1fa21bcbc4efae3c782a70d2b9d", "ref": "main", "environment": "staging",
              "created_at": "2026-11-28T09:00:00Z", "statuses": []},
             {"id": 104, "sha": "d84d88e7554fc1fa21bcbc4efae3c782a70d2b9d", "ref": "v1.4.2", "environment": "Production",
              "created_at": "2026-11-28T10:30:00Z", "statuses": [{"state": "queued", "created_at": "2026-11-28T10:30:01Z"}]}
            ]
            """
        let list = try GitHubDeploymentList(
            data: Data(file.utf8), file: "d.json", service: "app", author: "alice", now: f.now)
        #expect(list.unfinished == 1 && list.otherEnvironments == 1)
        #expect(list.deploys.map(\.source) == ["gh-deployment:101", "gh-deployment:102"])
        #expect(list.deploys.map(\.result) == [.succeeded, .failed], "the newest final status decides")
        #expect(list.deploys[0].leadTime == 3900 && list.deploys[0].notes == "Deploy v1.4.0")
        #expect(list.deploys[1].deployedAt == Timestamp(rfc3339: "2026-11-28T09:33:00Z"))
        #expect(try await f.store.addDeploys(list.deploys, now: f.now).added == [1, 2])
        #expect(try await f.store.addDeploys(list.deploys, now: f.now).known == [1, 2], "imported once")
        let unknownCommitTime = file.replacingOccurrences(
            of: "\"committed_at\": \"2026-11-28T08:00:00Z\"", with: "\"committed_at\": null")
        let read = try GitHubDeploymentList(
            data: Data(unknownCommitTime.utf8), file: "d.json", service: "app", author: "alice", now: f.now)
        #expect(read.deploys[0].committedAt == nil, "null: the commit's time could not be looked up")
        let twice = file.replacingOccurrences(of: "\"id\": 102", with: "\"id\": 101")
        for (bad, words) in [
            ("{}", "is not a JSON array of deployments"),
            ("[{\"id\": 5}]", "deployment 0 (id 5): lacks sha, ref, environment, created_at, statuses"),
            (twice, "deployment 1 (id 101): appears twice in the file with different contents"),
            (
                file.replacingOccurrences(of: "\"state\": \"queued\"", with: "\"state\": \"done\""),
                "deployment 3 (id 104): status 0: its state 'done' is not one GitHub sets"
            ),
            (
                file.replacingOccurrences(of: "2026-11-28T09:01:00Z", with: "2026-11-28T08:59:00Z"),
                "deployment 0 (id 101): status 2: created_at 2026-11-28T08:59:00Z is before the deployment's"
            ),
            (
                file.replacingOccurrences(
                    of: "\"committed_at\": \"2026-11-28T08:00:00Z\"", with: "\"committed_at\": 3"),
                "committed_at is not a string"
            ),
        ] {
            #expect(throws: IncidentError.self, "\(words)") {
                try GitHubDeploymentList(data: Data(bad.utf8), file: "d.json", service: "app", author: "a", now: f.now)
            }
            do {
                _ = try GitHubDeploymentList(
                    data: Data(bad.utf8), file: "d.json", service: "app", author: "a", now: f.now)
            } catch let error as IncidentError {
                #expect(error.exitCode == 65 && error.description.contains(words), "\(error)")
            }
        }
    }

    /// Eight deploys of two services over two weeks, three of them failures (a rolled-back one, a failed one,
    /// one that caused an incident), and figures worked out by hand.
    func history(_ f: StoreFixture) async throws {
        let now = f.at(20000)
        let minutes = [0.0, 60, 1440, 2880, 10080, 10140, 11520, 12960]
        for (index, at) in minutes.enumerated() {
            let result: DeployResult = index == 2 ? .rolledBack : index == 5 ? .failed : .succeeded
            try await record(
                f,
                draft(
                    f, "1.\(index)", at: at, lead: Double(30 * (index + 1)), result: result,
                    service: index.isMultiple(of: 4) ? "search" : "app"), now: now)
        }
        func open(_ title: String, at minutes: Double) async throws -> Int64 {
            try await f.store.open(Incident(title: title, startedAt: f.at(minutes)), by: "alice", now: now).incident.id!
        }
        let caused = try await open("Checkout returns 500", at: 2900)
        _ = try await f.store.edit(caused, [(.causedBy, "4")], at: f.at(2901), by: "alice", now: f.at(20000))
        _ = try await f.store.resolve(
            caused, at: f.at(2950), cause: "bad release", category: nil, fix: nil, prevent: [], by: "alice",
            now: f.at(20000))
        let cancelled = try await open("False alarm", at: 3000)
        _ = try await f.store.edit(cancelled, [(.causedBy, "4")], at: f.at(3001), by: "alice", now: f.at(20000))
        _ = try await f.store.cancel(cancelled, reason: "not a failure", at: f.at(3002), by: "alice", now: f.at(20000))
    }

    @Test func theFourKeysAreWorkedOutPerServiceAndPeriodWithTheirBands() async throws {
        let f = try await StoreFixture()
        try await history(f)
        let report = try await f.store.report(
            ReportRequest(period: .week, now: f.at(14 * 1440), timeZone: TimeZone(identifier: "UTC")!))
        let all = report.delivery.all
        #expect(all.deploys == 8 && all.days == 14 && all.deploysPerWeek == 4)
        #expect(all.frequencyBand == .high)
        #expect(all.leadTime.n == 8 && all.leadTime.median == 135 * 60 && all.leadTimeBand == .elite)
        #expect(all.changeFailures == 3 && all.changeFailureRate == 0.375 && all.changeFailureBand == .medium)
        #expect(all.timeToRestore.n == 1 && all.timeToRestore.median == 50 * 60, "the cancelled incident never counts")
        #expect(all.timeToRestoreBand == .elite && all.failureLead.median == 20 * 60)
        #expect(report.delivery.services.map(\.key) == ["app", "search"])
        let search = report.delivery.services[1]
        #expect(search.deploys == 2 && search.changeFailures == 0 && search.changeFailureBand == .elite)
        #expect(search.timeToRestore.n == 0 && search.timeToRestoreBand == nil)
        #expect(report.delivery.trend.map(\.key) == ["2026-W48", "2026-W49", "2026-W50"])
        #expect(report.delivery.trend.map(\.deploys) == [3, 4, 1], "Saturday 28 November starts in W48")
        let scoped = try await f.store.report(
            ReportRequest(since: f.at(10000), period: .week, service: "app", now: f.at(14 * 1440)))
        #expect(scoped.delivery.all.deploys == 3 && scoped.delivery.all.changeFailures == 1)
        let future = try await f.store.report(
            ReportRequest(until: f.at(200 * 1440), period: .week, now: f.at(14 * 1440)))
        #expect(future.delivery.all.days == 14, "the span ends now, not at an --until still to come")
        #expect(future.delivery.trend.first?.days == 7, "a period spans its week, not from its first deploy")
        let none = try await f.store.report(ReportRequest(service: "nothing", now: f.at(14 * 1440)))
        #expect(none.delivery.all.deploys == 0 && none.delivery.all.frequencyBand == nil)
        #expect(!none.markdown.contains("four keys"), "no section without deploys")
    }

    @Test func bandsFollowTheirThresholds() {
        // Each row just below and at a threshold: deploys a day, lead time, failure rate, restore time, and the
        // bands they fall in.
        let rows: [(Double, Double, Double, Double, [DORABand])] = [
            (0.999, 86_399, 0.15, 3599, [.high, .elite, .elite, .elite]),
            (1, 86_400, 0.151, 3600, [.elite, .high, .high, .high]),
            (1.0 / 7, 7 * 86_400, 0.30, 86_400, [.high, .medium, .high, .medium]),
            (1.0 / 30, 30 * 86_400, 0.45, 7 * 86_400, [.medium, .low, .medium, .low]),
            (0.03, 1e9, 0.46, 1e9, [.low, .low, .low, .low]),
        ]
        for (perDay, lead, rate, restore, bands) in rows {
            let found = [
                DORABand.frequency(perDay: perDay), .leadTime(lead), .changeFailure(rate), .timeToRestore(restore),
            ]
            #expect(found == bands, "\(perDay) \(lead) \(rate) \(restore)")
        }
    }

    @Test func theFourKeysMatchTheirGoldenMarkdownAndHTML() async throws {
        let f = try await StoreFixture()
        try await history(f)
        let report = try await f.store.report(
            ReportRequest(period: .week, now: f.at(14 * 1440), timeZone: TimeZone(identifier: "UTC")!))
        try ReportMarkdownTests.expectGolden(report.markdown, "report-deploys.md")
        #expect(report.html.contains("<title>Deploys and change failures per week</title>"))
    }

    @Test func thePostmortemNamesTheDeploy() async throws {
        let f = try await StoreFixture()
        let deploy = try await f.store.recordDeploy(draft(f), now: f.now).deploy
        let incident = try await f.open("Checkout returns 500", at: 5)
        _ = try await f.store.edit(incident, [(.causedBy, "1")], at: f.at(6), by: "alice", now: f.now)
        let markdown = try PostmortemDocument(try await f.store.detail(incident), deploy: deploy).render()
        #expect(
            markdown.contains(
                "**Caused by:** deploy #1 of app, version 1.4.2, commit a84d88e7554f (succeeded), finished at "
                    + "2026-11-28T10:00:00Z, 5m00s before the failure started."))
        #expect(!(try PostmortemDocument(try await f.store.detail(incident)).render().contains("Caused by")))
    }

    func exportText(_ store: IncidentStore, _ format: TransferFormat) async throws -> String {
        let lines = LineCollector()
        try await store.export(format) { lines.append($0) }
        return lines.text
    }

    func importText(_ store: IncidentStore, _ text: String, _ format: TransferFormat) async throws -> ImportSummary {
        let directory = try TemporaryDirectory()
        let file = directory.path("records")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let lines = try FileLines(path: file)
        defer { lines.close() }
        return try await store.importRecords(lines, as: format, source: "records", dryRun: false)
    }
}

/// Lines written by an export, collected from its `@Sendable` callback.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    var text: String { lock.withLock { lines.joined(separator: "\n") + "\n" } }
}
