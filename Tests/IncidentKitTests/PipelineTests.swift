import Foundation
import IncidentKit
import TestSupport
import Testing

extension RunList {
    /// A list whose times are minutes after `StoreFixture.t0`.
    init() {
        self.init(start: RunList.t0.date)
    }

    static let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!

    func parsed(now: Timestamp = t0.adding(seconds: 3600)) throws -> GitHubRunList {
        try GitHubRunList(data: data, file: "runs.json", now: now)
    }
}

extension StoreFixture {
    /// Records the runs of `list` as `incident import --format gh-runs` does.
    @discardableResult
    func record(_ list: RunList) async throws -> [PipelineRunOutcome] {
        try await store.recordRuns(list.parsed(now: now).runs, by: "ci", now: now)
    }

    func pipelineIncidents(_ service: String = "ci/*") async throws -> [IncidentDetail] {
        var details: [IncidentDetail] = []
        for incident in try await store.list(IncidentFilter(service: service)).reversed() {
            details.append(try await store.detail(incident.id!))
        }
        return details
    }
}

struct GitHubRunListTests {
    @Test func runsAreSortedByWhenTheyFinishedAndUnfinishedOnesLeftOut() throws {
        var list = RunList()
        list.add(3, "success", created: 20, finished: 30)
        list.add(1, "failure", created: 0, finished: 10)
        list.add(4, "", created: 25, finished: 26, status: "in_progress")
        list.add(2, "cancelled", created: 5, finished: 12)
        let parsed = try list.parsed()
        #expect(parsed.runs.map(\.id) == [1, 2, 3])
        #expect(parsed.unfinished == 1)
        #expect(parsed.runs[0].service == "ci/ci" && parsed.runs[0].source == "gh-run:1#1@main")
    }

    @Test func theSameAttemptTwiceIsKeptOnceAndAReRunIsARunOfItsOwn() throws {
        var list = RunList()
        list.add(1, "failure", created: 0, finished: 10)
        list.add(1, "failure", created: 0, finished: 10)
        list.add(1, "success", created: 0, finished: 20, attempt: 2)
        #expect(try list.parsed().runs.map(\.attempt) == [1, 2])
    }

    @Test func workflowNamesBecomeOneLowerCaseWordAfterCI() throws {
        #expect(try PipelineRun.service(ofWorkflow: "Build and Test") == "ci/build-and-test")
        #expect(try PipelineRun.service(ofWorkflow: "CI / Lint (swift)") == "ci/ci-lint-swift")
        #expect(try PipelineRun.service(ofWorkflow: "release_v2.1") == "ci/release_v2.1")
        #expect(throws: IncidentError.self) { try PipelineRun.service(ofWorkflow: "🚀 ✨") }
    }

    /// Each problem names the run by its index and, when it can be read, its id; nothing is returned.
    @Test(arguments: [
        ("missing", "run 0 (id 7): lacks conclusion, updatedAt"),
        ("time", "run 0 (id 7): createdAt 'yesterday' is not an RFC 3339 time"),
        ("type", "run 0: databaseId is not a whole number"),
        ("conclusion", "run 0 (id 7): its conclusion 'exploded' is none of"),
        ("order", "run 0 (id 7): it finished (2026-11-28T10:00:00Z) before it was created"),
        ("future", "run 0 (id 7): the updatedAt time 2026-11-29T10:00:00Z is more than 5 minutes after now"),
    ])
    func badRunsAreNamed(problem: String, message: String) throws {
        var list = RunList()
        list.add(7, "failure", created: 10, finished: 20)
        list.add(8, "success", created: 20, finished: 30)
        switch problem {
        case "missing":
            list.runs[0]["conclusion"] = nil
            list.runs[0]["updatedAt"] = nil
        case "time": list.runs[0]["createdAt"] = "yesterday"
        case "type": list.runs[0]["databaseId"] = "7"
        case "conclusion": list.runs[0]["conclusion"] = "exploded"
        case "order": list.runs[0]["updatedAt"] = RunList.t0.description
        default: list.runs[0]["updatedAt"] = "2026-11-29T10:00:00Z"
        }
        #expect {
            try list.parsed()
        } throws: { error in
            "\(error)".contains("runs.json has 1 bad run(s); nothing was imported") && "\(error)".contains(message)
                && (error as? IncidentError)?.exitCode == 65
        }
    }

    @Test func anElementThatIsNotARunIsNamedByItsIndex() throws {
        #expect {
            try GitHubRunList(data: Data(#"[{"databaseId": 1}, 42]"#.utf8), file: "runs.json", now: .now)
        } throws: { error in
            "\(error)".contains("has 2 bad run(s)") && "\(error)".contains("run 0 (id 1): lacks workflowName")
                && "\(error)".contains("run 1: is not a JSON object")
        }
    }

    @Test(arguments: ["{\"runs\": []}", "not json", "{\"id\":1}\n{\"id\":2}"])
    func aFileThatIsNotGhOutputIsRefused(text: String) throws {
        #expect {
            try GitHubRunList(data: Data(text.utf8), file: "export.jsonl", now: .now)
        } throws: { error in
            "\(error)".contains("export.jsonl is not a JSON array of runs; give the output of `gh run list --json")
        }
    }

    @Test func conflictingCopiesOfOneAttemptAreRefused() throws {
        var list = RunList()
        list.add(1, "failure", created: 0, finished: 10)
        list.add(1, "success", created: 0, finished: 10)
        #expect {
            try list.parsed()
        } throws: { error in
            "\(error)".contains("run 1 (id 1): attempt 1 appears twice in the file with different contents")
        }
    }
}

struct PipelineStoreTests {
    @Test func aStreakOfFailuresIsOneIncidentResolvedByTheNextGreenRun() async throws {
        let f = try await StoreFixture()
        var list = RunList()
        list.add(1, "success", created: -20, finished: -10)
        list.add(2, "failure", created: 0, finished: 8, title: "Add the cart endpoint")
        list.add(3, "cancelled", created: 9, finished: 10)
        list.add(4, "timed_out", created: 12, finished: 20)
        list.add(5, "success", created: 21, finished: 30)
        list.add(6, "success", created: 31, finished: 40)
        let outcomes = try await f.record(list)
        #expect(outcomes.map(\.effect) == [.unrecorded, .opened, .added, .added, .resolved, .unrecorded])
        let details = try await f.pipelineIncidents()
        try #require(details.count == 1)
        let incident = details[0].incident
        #expect(incident.service == "ci/ci" && incident.kind == .real && incident.fault == nil)
        #expect(incident.title == "CI failed on main: Add the cart endpoint")
        #expect(incident.startedAt == f.at(0) && incident.detectedAt == f.at(8) && incident.detection == "pipeline")
        #expect(incident.mitigatedAt == f.at(30) && incident.resolvedAt == f.at(30))
        #expect(incident.durations.ttr == 1800, "time to green: 30 minutes")
        #expect(incident.cause == "pipeline CI failed on main (cause not yet recorded)")
        #expect(incident.causeCategory == "pipeline")
        let runs = details[0].timeline.filter { $0.kind == .pipelineRun }.map(\.text)
        #expect(
            runs == [
                "run 2 attempt 1: failure (push of a1b2c3d on main) https://github.com/acme/shop/actions/runs/2",
                "run 3 attempt 1: cancelled (push of a1b2c3d on main) https://github.com/acme/shop/actions/runs/3",
                "run 4 attempt 1: timed_out (push of a1b2c3d on main) https://github.com/acme/shop/actions/runs/4",
                "run 5 attempt 1: success (push of a1b2c3d on main) https://github.com/acme/shop/actions/runs/5",
            ])
        #expect(details[0].sources == ["gh-run:2#1@main", "gh-run:3#1@main", "gh-run:4#1@main", "gh-run:5#1@main"])
    }

    @Test func branchesAndWorkflowsKeepStreaksOfTheirOwnWhateverTheInputOrder() async throws {
        let f = try await StoreFixture()
        var list = RunList()
        // Listed newest first, as gh does, and interleaved.
        list.add(8, "success", created: 40, finished: 45, workflow: "Lint", branch: "main")
        list.add(7, "success", created: 33, finished: 38, branch: "feature")
        list.add(6, "failure", created: 30, finished: 35, workflow: "Lint", branch: "main")
        list.add(5, "success", created: 20, finished: 25, branch: "main")
        list.add(4, "failure", created: 12, finished: 18, branch: "feature")
        list.add(3, "failure", created: 10, finished: 15, branch: "main")
        list.add(2, "failure", created: 2, finished: 6, branch: "feature")
        list.add(1, "failure", created: 0, finished: 5, branch: "main")
        try await f.record(list)
        let details = try await f.pipelineIncidents()
        let summary = details.map {
            "\($0.incident.service) \($0.incident.title.split(separator: ":")[0]) \($0.incident.startedAt.description)"
                + " \($0.incident.resolvedAt?.description ?? "open") \($0.sources.count)"
        }
        #expect(
            summary == [
                "ci/ci CI failed on main 2026-11-28T10:00:00Z 2026-11-28T10:25:00Z 3",
                "ci/ci CI failed on feature 2026-11-28T10:02:00Z 2026-11-28T10:38:00Z 3",
                "ci/lint Lint failed on main 2026-11-28T10:30:00Z 2026-11-28T10:45:00Z 2",
            ])
    }

    @Test func aReRunThatPassesEndsTheStreakOfItsFirstAttempt() async throws {
        let f = try await StoreFixture()
        var list = RunList()
        list.add(1, "failure", created: 0, finished: 10)
        list.add(1, "success", created: 0, finished: 25, attempt: 2)
        #expect(try await f.record(list).map(\.effect) == [.opened, .resolved])
        let incident = try #require(try await f.pipelineIncidents().first)
        #expect(incident.incident.resolvedAt == f.at(25))
        #expect(incident.sources == ["gh-run:1#1@main", "gh-run:1#2@main"])
    }

    @Test func anOverlappingImportAddsOnlyWhatIsNewAndClosesTheStreakLeftOpen() async throws {
        let f = try await StoreFixture()
        var first = RunList()
        first.add(1, "success", created: 0, finished: 5)
        first.add(2, "failure", created: 10, finished: 15)
        first.add(3, "", created: 16, finished: 17, status: "in_progress")
        #expect(try await f.record(first).map(\.effect) == [.unrecorded, .opened])
        let open = try #require(try await f.pipelineIncidents().first)
        #expect(open.incident.status == .detected)

        var second = RunList()
        second.add(1, "success", created: 0, finished: 5)
        second.add(2, "failure", created: 10, finished: 15)
        second.add(3, "failure", created: 16, finished: 22)
        second.add(4, "success", created: 23, finished: 30)
        second.add(5, "failure", created: 31, finished: 36)
        let outcomes = try await f.record(second)
        #expect(outcomes.map(\.effect) == [.older, .known, .added, .resolved, .opened])
        #expect(outcomes[2].incident == open.incident.id && outcomes[3].incident == open.incident.id)
        let details = try await f.pipelineIncidents()
        #expect(details.count == 2)
        #expect(details[0].incident.resolvedAt == f.at(30) && details[0].sources.count == 3)
        #expect(details[1].incident.status == .detected)

        #expect(try await f.record(second).allSatisfy { $0.effect == .known || $0.effect == .older })
        #expect(try await f.pipelineIncidents().map(\.timeline.count) == details.map(\.timeline.count))
    }

    @Test func aRunOlderThanTheNewestRecordedIsSkippedRatherThanRewritingHistory() async throws {
        let f = try await StoreFixture()
        var first = RunList()
        first.add(5, "failure", created: 30, finished: 40)
        try await f.record(first)
        var late = RunList()
        late.add(4, "success", created: 20, finished: 25)
        late.add(3, "failure", created: 10, finished: 15)
        #expect(try await f.record(late).map(\.effect) == [.older, .older])
        #expect(try await f.pipelineIncidents().map(\.incident.status) == [.detected])
    }

    @Test func cancelledAndSkippedRunsNeitherStartNorEndAStreak() async throws {
        let f = try await StoreFixture()
        var list = RunList()
        for (id, conclusion) in zip(1..., ["cancelled", "skipped", "action_required", "neutral", "stale"]) {
            list.add(Int64(id), conclusion, created: Double(id), finished: Double(id) + 0.5)
        }
        #expect(try await f.record(list).allSatisfy { $0.effect == .unrecorded })
        #expect(try await f.pipelineIncidents().isEmpty)
    }

    @Test func aGameDayCommitMakesItsStreakInjected() async throws {
        let f = try await StoreFixture()
        var list = RunList()
        list.add(1, "failure", created: 0, finished: 4, title: "[gameday] a test that always fails")
        list.add(2, "success", created: 5, finished: 9, title: "Revert the game day")
        try await f.record(list)
        let incident = try #require(try await f.pipelineIncidents().first).incident
        #expect(incident.kind == .injected)
        #expect(incident.fault == "other: pipeline game day: [gameday] a test that always fails")
        #expect(incident.durations.ttd == 240, "exact: the push is the injection")
    }

    @Test func whatAPersonRecordedIsKeptWhenTheStreakEnds() async throws {
        let f = try await StoreFixture()
        var first = RunList()
        first.add(1, "failure", created: 0, finished: 5)
        try await f.record(first)
        let id = try #require(try await f.pipelineIncidents().first?.incident.id)
        _ = try await f.store.mitigate(id, at: f.at(10), by: "alice", now: f.now)
        _ = try await f.store.edit(id, [(.cause, "a flaky cache test"), (.category, "test")], by: "alice", now: f.now)
        var second = RunList()
        second.add(2, "success", created: 11, finished: 20)
        try await f.record(second)
        let incident = try await f.store.detail(id).incident
        #expect(incident.mitigatedAt == f.at(10) && incident.resolvedAt == f.at(20))
        #expect(incident.cause == "a flaky cache test" && incident.causeCategory == "test")
    }

    @Test func aRunThatCannotBeRecordedRefusesTheWholeImport() async throws {
        let f = try await StoreFixture()
        var first = RunList()
        first.add(1, "failure", created: 0, finished: 5)
        try await f.record(first)
        let id = try #require(try await f.pipelineIncidents().first?.incident.id)
        _ = try await f.store.acknowledge(id, at: f.at(30), responder: "alice", by: "alice", now: f.now)
        var second = RunList()
        second.add(2, "failure", created: 6, finished: 8, branch: "other")
        second.add(3, "success", created: 10, finished: 20)
        try await f.expectRefused(65, "run 3 attempt 1 of CI on main cannot be recorded: the mitigated time") {
            try await f.record(second)
        }
    }
}

struct GitHubActionsRunTests {
    let environment = [
        "GITHUB_WORKFLOW": "Build and test", "GITHUB_RUN_ID": "9001", "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_REF_NAME": "42/merge", "GITHUB_HEAD_REF": "fix-cart", "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_EVENT_NAME": "pull_request", "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/shop",
    ]

    @Test func theRunIsReadAsGhShowsIt() async throws {
        let f = try await StoreFixture()
        let run = try PipelineRun(
            gitHubActions: environment, conclusion: .failure, createdAt: f.at(0), finishedAt: f.at(5), title: nil)
        #expect(run.service == "ci/build-and-test" && run.branch == "fix-cart", "a pull request's head branch")
        #expect(run.source == "gh-run:9001#2@fix-cart")
        #expect(run.url == "https://github.com/acme/shop/actions/runs/9001")
        #expect(run.title == "Build and test", "no event file: the workflow's name")
    }

    @Test func theTitleComesFromTheEvent() async throws {
        let f = try await StoreFixture()
        let event = f.directory.path("event.json")
        try Data(#"{"head_commit": {"message": "[gameday] break the build\n\nOn purpose."}}"#.utf8)
            .write(to: URL(fileURLWithPath: event))
        var environment = environment
        environment["GITHUB_EVENT_PATH"] = event
        environment["GITHUB_HEAD_REF"] = ""
        let run = try PipelineRun(
            gitHubActions: environment, conclusion: .failure, createdAt: f.at(0), finishedAt: f.at(5), title: nil)
        #expect(run.title == "[gameday] break the build" && run.isGameDay && run.branch == "42/merge")
    }

    @Test func missingVariablesAreNamedTogether() throws {
        var environment = environment
        environment["GITHUB_RUN_ID"] = nil
        environment["GITHUB_SHA"] = ""
        #expect(
            throws: IncidentError.invalidInput(
                "GITHUB_RUN_ID, GITHUB_SHA are not set; `incident ci record` reads the run from the variables of a "
                    + "GitHub Actions job: run it as a step of one")
        ) {
            try PipelineRun(
                gitHubActions: environment, conclusion: .success, createdAt: .now, finishedAt: .now, title: nil)
        }
    }
}
