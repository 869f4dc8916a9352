import Foundation
import GRDB
import IncidentKit
import TestSupport
import Testing

/// A store in a temporary file, with a fixed clock: every time below is relative to `t0`.
struct StoreFixture {
    let directory: TemporaryDirectory
    let store: IncidentStore
    let t0 = Timestamp(rfc3339: "2026-11-28T10:00:00Z")!
    var now: Timestamp { t0.adding(seconds: 3600) }

    /// The store's file, or its PostgreSQL URI with the password the name of the store leaves out.
    let path: String

    init() async throws {
        directory = try TemporaryDirectory()
        path = try TestPostgres.store(in: directory)
        store = try await IncidentStore.connect(to: path, ifMissing: .create)
        try await store.prepareForWriting()  // so that refusals can be checked against the file
    }

    func at(_ minutes: Double) -> Timestamp { t0.adding(seconds: minutes * 60) }

    @discardableResult
    func open(
        _ title: String = "Checkout returns 502", at minutes: Double = 0, kind: IncidentKind = .real,
        service: String = "app", severity: Severity = .sev3
    ) async throws -> Int64 {
        let draft = Incident(title: title, service: service, severity: severity, kind: kind, startedAt: at(minutes))
        return try await store.open(draft, by: "alice", now: now).incident.id!
    }

    /// Expects `body` to fail with `exitCode` and a message containing `words`, and to change nothing on disk.
    func expectRefused(
        _ exitCode: Int32, _ words: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async throws {
        let before = try databaseContents(path)
        await #expect(sourceLocation: sourceLocation) {
            try await body()
        } throws: { error in
            guard let error = error as? IncidentError else { return false }
            return error.exitCode == exitCode && error.description.contains(words)
        }
        #expect(
            try databaseContents(path) == before, "a refused command changed the database",
            sourceLocation: sourceLocation)
    }
}

struct LifecycleTests {
    @Test func aFullLifecycleGivesExactDurationsAndATimeline() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        _ = try await f.store.detect(id, at: f.at(3), via: "alert:HighErrorRate", by: "bob", now: f.now)
        _ = try await f.store.acknowledge(id, at: f.at(4.5), responder: "carol", by: "bob", now: f.now)
        _ = try await f.store.mitigate(id, at: f.at(12), by: "bob", now: f.now)
        let detail = try await f.store.resolve(
            id, at: f.at(30), cause: "pool exhausted", category: "Capacity",
            fix: "raised pool", prevent: ["load test", "pool alert"], by: "bob",
            now: f.now)
        let incident = detail.incident
        #expect(incident.status == .resolved)
        #expect(incident.detection == "alert:HighErrorRate")
        #expect(incident.causeCategory == "capacity", "categories are stored lower-case")
        #expect(incident.durations == Durations(ttd: 180, tta: 90, ttr: 720, ttc: 1800))
        #expect(
            detail.timeline.map(\.kind.rawValue) == [
                "opened", "detected", "acknowledged", "mitigated", "resolved",
                "action_added", "action_added",
            ])
        #expect(detail.timeline[2].text == "acknowledged by carol")
        #expect(detail.actions.map(\.title) == ["load test", "pool alert"])
        #expect(detail.actions.allSatisfy { $0.kind == .prevent && $0.status == .open })
    }

    @Test func recoveryEndsAtResolutionWhenNothingWasMitigated() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        let detail = try await f.store.resolve(
            id, at: f.at(20), cause: "expired", category: nil, fix: nil, prevent: [],
            by: "bob", now: f.now)
        #expect(detail.incident.durations == Durations(ttd: nil, tta: nil, ttr: 1200, ttc: 1200))
    }

    @Test func timesOutOfOrderAreRefusedNamingBothTimes() async throws {
        let f = try await StoreFixture()
        let id = try await f.open(at: 10)
        try await f.expectRefused(
            65, "detected time 2026-11-28T10:05:00Z is before the started time 2026-11-28T10:10:00Z"
        ) {
            _ = try await f.store.detect(id, at: f.at(5), via: nil, by: "bob", now: f.now)
        }
        _ = try await f.store.detect(id, at: f.at(15), via: "probe", by: "bob", now: f.now)
        _ = try await f.store.mitigate(id, at: f.at(40), by: "bob", now: f.now)
        try await f.expectRefused(65, "resolved time") {
            _ = try await f.store.resolve(
                id, at: f.at(30), cause: "x", category: nil, fix: nil, prevent: ["y"], by: "b",
                now: f.now)
        }
    }

    @Test func futureTimesBeyondFiveMinutesAreRefused() async throws {
        let f = try await StoreFixture()
        try await f.expectRefused(65, "more than 5 minutes after now (2026-11-28T11:00:00Z)") {
            try await f.open(at: 66)
        }
        let id = try await f.open(at: 64.9)
        #expect(try await f.store.detail(id).incident.startedAt == f.at(64.9), "within the tolerance is accepted")
        try await f.expectRefused(65, "after now") {
            _ = try await f.store.note(id, "from the future", at: f.at(70), by: "bob", now: f.now)
        }
    }

    @Test func stepsAreRecordedOnceAndNeverOnACancelledIncident() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        _ = try await f.store.detect(id, at: f.at(1), via: "manual", by: "bob", now: f.now)
        try await f.expectRefused(65, "already detected at 2026-11-28T10:01:00Z") {
            _ = try await f.store.detect(id, at: f.at(2), via: "manual", by: "bob", now: f.now)
        }
        _ = try await f.store.resolve(
            id, at: f.at(5), cause: "c", category: nil, fix: nil, prevent: [], by: "b", now: f.now)
        try await f.expectRefused(65, "already resolved") {
            _ = try await f.store.resolve(
                id, at: f.at(6), cause: "c", category: nil, fix: nil, prevent: [], by: "b",
                now: f.now)
        }
        let other = try await f.open()
        _ = try await f.store.cancel(other, reason: "alert on a stale scrape", at: f.at(1), by: "bob", now: f.now)
        try await f.expectRefused(65, "is cancelled (alert on a stale scrape)") {
            _ = try await f.store.resolve(
                other, at: f.at(6), cause: "c", category: nil, fix: nil, prevent: [], by: "b",
                now: f.now)
        }
        let undetected = try await f.open()
        try await f.expectRefused(65, "not been detected") {
            _ = try await f.store.acknowledge(undetected, at: f.at(1), responder: nil, by: "b", now: f.now)
        }
    }

    @Test func reopenUndoesAResolutionOrACancellation() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        try await f.expectRefused(65, "nothing to reopen") {
            _ = try await f.store.reopen(id, at: f.at(1), by: "b", now: f.now)
        }
        _ = try await f.store.resolve(
            id, at: f.at(5), cause: "c", category: nil, fix: nil, prevent: [], by: "b", now: f.now)
        var detail = try await f.store.reopen(id, at: f.at(7), by: "b", now: f.now)
        #expect(detail.incident.status == .open)
        #expect(detail.timeline.last?.text == "reopened; was resolved at 2026-11-28T10:05:00Z")
        _ = try await f.store.cancel(id, reason: "duplicate of #2", at: f.at(8), by: "b", now: f.now)
        detail = try await f.store.reopen(id, at: f.at(9), by: "b", now: f.now)
        #expect(detail.incident.status == .open && detail.incident.cancelReason == nil)
    }

    @Test func unknownIdsAreNotFound() async throws {
        let f = try await StoreFixture()
        try await f.expectRefused(66, "no incident #42") {
            _ = try await f.store.detect(42, at: f.at(1), via: nil, by: "b", now: f.now)
        }
        try await f.expectRefused(66, "no action item #7") {
            _ = try await f.store.closeAction(7, as: .done, reason: nil, at: f.at(1), by: "b", now: f.now)
        }
        await #expect(throws: IncidentError.self) { try await f.store.detail(42) }
    }

    @Test func editRecordsEveryChangeWithOldAndNewValue() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        let detail = try await f.store.edit(
            id,
            [
                (.severity, "SEV1"), (.detectedAt, "2026-11-28T10:02:00Z"),
                (.summary, "line one\nline two"), (.fault, nil),
            ],
            by: "bob", now: f.now, timeZone: TimeZone(identifier: "UTC")!)
        #expect(detail.incident.severity == .sev1)
        #expect(detail.incident.durations.ttd == 120)
        #expect(
            detail.timeline.filter { $0.kind == .edited }.map(\.text) == [
                "severity: sev3 → sev1", "detected-at: (unset) → 2026-11-28T10:02:00Z",
                "summary: (unset) → line one\nline two",
            ], "clearing an unset field records nothing")
        try await f.expectRefused(65, "started time") {
            _ = try await f.store.edit(id, [(.startedAt, "2026-11-28T10:03:00Z")], by: "b", now: f.now)
        }
        try await f.expectRefused(64, "unknown severity 'sev9'") {
            _ = try await f.store.edit(id, [(.severity, "sev9")], by: "b", now: f.now)
        }
        try await f.expectRefused(64, "cannot be cleared") {
            _ = try await f.store.edit(id, [(.title, nil)], by: "b", now: f.now)
        }
        try await f.expectRefused(64, "nothing to edit") {
            _ = try await f.store.edit(id, [], by: "b", now: f.now)
        }
    }

    @Test func actionItemsAreClosedOnceWithATimelineEntry() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        let action = try await f.store.addAction(
            to: id,
            ActionItem(
                incidentId: id, title: "alert on p99", kind: .detect, owner: "bob", due: "2026-12-15",
                url: "https://tickets.example/1", createdAt: f.at(30)), by: "alice", now: f.now)
        try await f.expectRefused(64, "not a day") {
            _ = try await f.store.addAction(
                to: id,
                ActionItem(
                    incidentId: id, title: "x", due: "2026-02-30",
                    createdAt: f.at(30)), by: "a", now: f.now)
        }
        let done = try await f.store.closeAction(
            action.id!, as: .done, reason: nil, at: f.at(40), by: "bob", now: f.now)
        #expect(done.status == .done && done.closedAt == f.at(40))
        try await f.expectRefused(65, "was already done at 2026-11-28T10:40:00Z") {
            _ = try await f.store.closeAction(action.id!, as: .dropped, reason: "no", at: f.at(41), by: "b", now: f.now)
        }
        #expect(try await f.store.actions(openOnly: true).isEmpty)
        #expect(try await f.store.detail(id).timeline.last?.text == "action #\(action.id!) done: alert on p99")
    }
}

struct TextTests {
    @Test func anyUnicodeUpTo64KiBIsStoredExactly() async throws {
        let f = try await StoreFixture()
        let piece = "é🔥 שלום \u{202E}RTL 'x'); DROP TABLE incident;-- %_\\ \"q\" \t\r\n\u{7}e\u{301}"
        var title = String(repeating: piece, count: Validate.maxTextBytes / piece.utf8.count)
        title += String(repeating: "a", count: Validate.maxTextBytes - title.utf8.count)
        #expect(title.utf8.count == Validate.maxTextBytes)
        let id = try await f.open(title)
        let storedBytes = Array(try await f.store.detail(id).incident.title.utf8)
        let titleBytes = Array(title.utf8)
        #expect(storedBytes.count == titleBytes.count)
        let identical = storedBytes == titleBytes
        #expect(identical, "the title came back changed")
        #expect(try await f.store.list().count == 1, "the SQL in the title stayed data")
    }

    @Test func textOver64KiBOrBlankIsRefused() async throws {
        let f = try await StoreFixture()
        try await f.expectRefused(64, "more than the 65536 allowed") {
            try await f.open(String(repeating: "x", count: Validate.maxTextBytes + 1))
        }
        try await f.expectRefused(64, "title is empty") { try await f.open(" \n\t") }
        try await f.expectRefused(64, "NUL character") { try await f.open("nul \u{0} inside") }
        let id = try await f.open()
        try await f.expectRefused(64, "cause is empty") {
            _ = try await f.store.resolve(
                id, at: f.at(1), cause: "", category: nil, fix: nil, prevent: [], by: "b",
                now: f.now)
        }
        try await f.expectRefused(64, "not one word") {
            _ = try await f.store.resolve(
                id, at: f.at(1), cause: "c", category: "two words", fix: nil, prevent: [],
                by: "b", now: f.now)
        }
        try await f.expectRefused(64, "unknown detection 'pager'") {
            _ = try await f.store.detect(id, at: f.at(1), via: "pager", by: "b", now: f.now)
        }
    }

    @Test(arguments: [
        ("alert", "alert"), ("PROBE", "probe"), ("alert:HighErrorRate", "alert:HighErrorRate"),
        ("Alert:Slow", "alert:Slow"),
    ])
    func detectionMethodsAreCanonical(input: String, expected: String) async throws {
        #expect(try Detection.validated(input) == expected)
    }

    @Test(arguments: ["alert:", "alert:two words", "email", ""])
    func unknownDetectionMethodsAreRefused(input: String) {
        #expect(throws: IncidentError.self) { try Detection.validated(input) }
    }
}

struct ListTests {
    @Test func filtersCombineAndNewestComesFirst() async throws {
        let f = try await StoreFixture()
        let old = try await f.open("old", at: -600, kind: .injected)
        let api = try await f.open("api", at: -30, service: "API", severity: .sev1)
        let newest = try await f.open("newest", at: -10)
        _ = try await f.store.detect(newest, at: f.at(-9), via: "probe", by: "b", now: f.now)
        let cancelled = try await f.open("false alarm", at: -20)
        _ = try await f.store.cancel(cancelled, reason: "noise", at: f.at(-19), by: "b", now: f.now)

        #expect(try await f.store.list().map(\.id) == [newest, cancelled, api, old])
        #expect(try await f.store.list(IncidentFilter(limit: 2)).map(\.id) == [newest, cancelled])
        #expect(try await f.store.list(IncidentFilter(statuses: [.open])).map(\.id) == [api, old])
        #expect(try await f.store.list(IncidentFilter(statuses: [.detected])).map(\.id) == [newest])
        #expect(try await f.store.list(IncidentFilter(statuses: [.cancelled])).map(\.id) == [cancelled])
        #expect(try await f.store.list(IncidentFilter(service: "api")).map(\.id) == [api], "services are lower-case")
        #expect(try await f.store.list(IncidentFilter(severity: .sev1)).map(\.id) == [api])
        #expect(try await f.store.list(IncidentFilter(kind: .injected)).map(\.id) == [old])
        #expect(try await f.store.list(IncidentFilter(since: f.at(-20))).map(\.id) == [newest, cancelled])
    }

    @Test(arguments: IncidentStatus.allCases)
    func statusFilterAgreesWithTheDerivedStatus(status: IncidentStatus) async throws {
        let f = try await StoreFixture()
        for step in 0..<6 {
            let id = try await f.open("step \(step)")
            if step == 5 { _ = try await f.store.cancel(id, reason: "noise", at: f.at(1), by: "b", now: f.now) }
            if (1..<5).contains(step) { _ = try await f.store.detect(id, at: f.at(1), via: nil, by: "b", now: f.now) }
            if (2..<5).contains(step) {
                _ = try await f.store.acknowledge(id, at: f.at(2), responder: nil, by: "b", now: f.now)
            }
            if (3..<5).contains(step) { _ = try await f.store.mitigate(id, at: f.at(3), by: "b", now: f.now) }
            if step == 4 {
                _ = try await f.store.resolve(
                    id, at: f.at(4), cause: "c", category: nil, fix: nil, prevent: [], by: "b",
                    now: f.now)
            }
        }
        let listed = try await f.store.list(IncidentFilter(statuses: [status]))
        #expect(listed.count == 1)
        #expect(listed.allSatisfy { $0.status == status })
    }
}

@Suite(.disabled(if: TestPostgres.storesOnPostgres, "tests of SQLite files: the SQLite run covers them"))
struct DatabaseFileTests {
    @Test func theFileIsCreatedPrivate() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("incidents.db")
        let store = try IncidentStore.open(path: path, ifMissing: .create)
        #expect(!FileManager.default.fileExists(atPath: path), "made by the first write, not by opening")
        _ = try await store.open(Incident(title: "first", startedAt: .now), by: "t", now: .now)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try await IncidentStore.open(path: path, ifMissing: .fail).check().isHealthy)
    }

    @Test func aRefusedFirstWriteLeavesNoFileAndTheStoreStillWorks() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("new.db")
        let store = try IncidentStore.open(path: path, ifMissing: .create)
        await #expect(throws: IncidentError.self) {
            try await store.resolve(1, at: .now, cause: "x", category: nil, fix: nil, prevent: [], by: "t", now: .now)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(files.isEmpty, "no database, no WAL: \(files)")
        #expect(try await store.list().isEmpty)
        _ = try await store.open(Incident(title: "first", startedAt: .now), by: "t", now: .now)
        #expect(try await IncidentStore.open(path: path, ifMissing: .fail).list().count == 1)
    }

    @Test func readingAMissingFileCreatesNothing() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing.db")
        #expect(try await IncidentStore.open(path: path, ifMissing: .readEmpty).list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect { try IncidentStore.open(path: path, ifMissing: .fail) } throws: {
            ($0 as? IncidentError)?.exitCode == 66
        }
    }

    @Test func aNewerSchemaIsRefusedAndTheFileLeftUntouched() async throws {
        let f = try await StoreFixture()
        try await f.open()
        try recordUnknownMigration(f.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: f.path))
        #expect {
            try IncidentStore.open(path: f.path, ifMissing: .create)
        } throws: { error in
            (error as? IncidentError)?.exitCode == 74 && "\(error)".contains("newer version of incident")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: f.path)) == before)
    }

    @Test(arguments: [
        "not a database at all, just text that is long enough to look like a header page........",
        "",
    ])
    func aFileThatIsNotSQLiteIsRefused(content: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("bad.db")
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        if content.isEmpty {
            #expect(try await IncidentStore.open(path: path, ifMissing: .create).list().isEmpty, "an empty file is new")
            return
        }
        #expect { try IncidentStore.open(path: path, ifMissing: .create) } throws: { error in
            (error as? IncidentError)?.exitCode == 74 && "\(error)".contains("not an incident database or is corrupt")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == content)
    }

    @Test func anotherProgramsDatabaseIsNotTouched() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("other.db")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "CREATE TABLE songs (name TEXT)") }
        try queue.close()
        #expect { try IncidentStore.open(path: path, ifMissing: .create) } throws: { error in
            (error as? IncidentError)?.exitCode == 74 && "\(error)".contains("another program")
        }
    }

    @Test func aTruncatedDatabaseIsReportedAsCorrupt() async throws {
        let f = try await StoreFixture()
        for index in 0..<200 { try await f.open("incident \(index) " + String(repeating: "x", count: 500)) }
        let copy = f.directory.path("truncated.db")
        try await f.store.backup(to: copy)
        let data = try Data(contentsOf: URL(fileURLWithPath: copy))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: copy))
        await #expect {
            _ = try await IncidentStore.open(path: copy, ifMissing: .fail).check()
        } throws: { error in
            (error as? IncidentError)?.exitCode == 74
        }
    }

    @Test func aBackupHoldsEverythingAndRefusesToOverwrite() async throws {
        let f = try await StoreFixture()
        let id = try await f.open()
        _ = try await f.store.note(id, "a note", at: f.at(1), by: "b", now: f.now)
        let copy = f.directory.path("backup.db")
        try await f.store.backup(to: copy)
        #expect(try databaseContents(copy) == databaseContents(f.path))
        await #expect { try await f.store.backup(to: copy) } throws: { ($0 as? IncidentError)?.exitCode == 64 }
    }
}

struct LocationTests {
    @Test func theDatabaseIsFoundByFlagThenEnvironmentThenXDG() {
        let environment = ["INCIDENT_DB": "/env.db", "XDG_DATA_HOME": "/xdg", "HOME": "/home/u"]
        #expect(IncidentStore.location(explicit: "/flag.db", environment: environment) == "/flag.db")
        #expect(IncidentStore.location(explicit: nil, environment: environment) == "/env.db")
        #expect(
            IncidentStore.location(explicit: nil, environment: ["XDG_DATA_HOME": "/xdg"])
                == "/xdg/incident/incidents.db")
        #expect(
            IncidentStore.location(explicit: nil, environment: ["HOME": "/home/u", "XDG_DATA_HOME": ""])
                == "/home/u/.local/share/incident/incidents.db")
    }

    @Test func theAuthorIsTheFlagThenTheEnvironment() {
        #expect(Author.resolve(explicit: "alice", environment: ["INCIDENT_AUTHOR": "bob"]) == "alice")
        #expect(Author.resolve(explicit: " ", environment: ["INCIDENT_AUTHOR": "bob"]) == "bob")
        #expect(!Author.resolve(explicit: nil, environment: ["USER": "carol"]).isEmpty)
    }
}
