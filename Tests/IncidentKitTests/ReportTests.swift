import Foundation
import TestSupport
import Testing

@testable import IncidentKit

struct AggregateTests {
    @Test func noValuesGiveACountOfZeroAndNoFigures() {
        #expect(Aggregate([]) == Aggregate(n: 0, mean: nil, median: nil, p90: nil, max: nil))
    }

    @Test func oneValueIsEveryFigure() {
        #expect(Aggregate([42]) == Aggregate(n: 1, mean: 42, median: 42, p90: 42, max: 42))
    }

    @Test func oddCount() {
        // Sorted 1, 2, 3, 4, 100: median is rank 2 → 3; p90 is rank 0.9 × 4 = 3.6 → 4 + 0.6 × (100 − 4) = 61.6.
        #expect(Aggregate([100, 3, 1, 4, 2]) == Aggregate(n: 5, mean: 22, median: 3, p90: 61.6, max: 100))
    }

    @Test func evenCount() {
        // Sorted 10, 20, 30, 40: median is rank 1.5 → 25; p90 is rank 2.7 → 30 + 0.7 × 10 = 37.
        #expect(Aggregate([40, 10, 30, 20]) == Aggregate(n: 4, mean: 25, median: 25, p90: 37, max: 40))
    }
}

extension Aggregate {
    init(n: Int, mean: Double?, median: Double?, p90: Double?, max: Double?) {
        self.init([])
        (self.n, self.mean, self.median, self.p90, self.max) = (n, mean, median, p90, max)
    }
}

/// Five incidents whose figures are worked out by hand, one day apart from `t0`:
/// A injected latency, detected +2m, ack +3m, mitigated +10m, resolved +20m: TTD 120, TTA 60, TTR 600, TTC 1200.
/// B injected error, never detected, resolved +30m: TTR = TTC = 1800.
/// C real, detected +10m, resolved +40m without mitigation: TTD 600, TTR = TTC = 2400.
/// D real, detected +5m, still open: listed, never averaged.
/// E cancelled false alarm: counted as cancelled, nowhere else.
struct HandMadeHistory {
    let f: StoreFixture
    let ids: [Int64]

    init() async throws {
        let f = try await StoreFixture()
        let day = 24.0 * 60
        func open(
            _ title: String, _ day: Double, _ kind: IncidentKind, _ fault: String?,
            category: String? = nil
        ) async throws -> Int64 {
            var draft = Incident(title: title, kind: kind, fault: fault, startedAt: f.at(day))
            draft.causeCategory = category
            return try await f.store.open(draft, by: "t", now: f.now(after: day + 60)).incident.id!
        }
        let a = try await open("A", 0, .injected, "latency ms=800")
        _ = try await f.store.detect(a, at: f.at(2), via: "alert:Latency", by: "t", now: f.now(after: 60))
        _ = try await f.store.acknowledge(a, at: f.at(3), responder: nil, by: "t", now: f.now(after: 60))
        _ = try await f.store.mitigate(a, at: f.at(10), by: "t", now: f.now(after: 60))
        _ = try await f.store.resolve(
            a, at: f.at(20), cause: "injected", category: "drill", fix: nil, prevent: [],
            by: "t", now: f.now(after: 60))
        let b = try await open("B", day, .injected, "error status=500")
        _ = try await f.store.resolve(
            b, at: f.at(day + 30), cause: "injected", category: "drill", fix: nil, prevent: [],
            by: "t", now: f.now(after: day + 60))
        let c = try await open("C", 2 * day, .real, nil)
        _ = try await f.store.detect(c, at: f.at(2 * day + 10), via: "probe", by: "t", now: f.now(after: 2 * day + 60))
        _ = try await f.store.resolve(
            c, at: f.at(2 * day + 40), cause: "pool", category: "capacity", fix: nil,
            prevent: [], by: "t", now: f.now(after: 2 * day + 60))
        let d = try await open("D", 3 * day, .real, nil)
        _ = try await f.store.detect(
            d, at: f.at(3 * day + 5), via: "customer", by: "t", now: f.now(after: 3 * day + 60))
        let e = try await open("E", 4 * day, .real, nil)
        _ = try await f.store.cancel(
            e, reason: "noise", at: f.at(4 * day + 1), by: "t", now: f.now(after: 4 * day + 60))
        self.f = f
        ids = [a, b, c, d, e]
    }

    func report(_ request: ReportRequest = ReportRequest()) async throws -> MetricsReport {
        var request = request
        request.now = f.now(after: 5 * 24 * 60)
        request.timeZone = TimeZone(identifier: "UTC")!
        return try await f.store.report(request)
    }
}

extension StoreFixture {
    /// A clock `minutes` after `t0`.
    func now(after minutes: Double) -> Timestamp { at(minutes) }
}

struct ReportFigureTests {
    @Test func countsCoverEveryStatus() async throws {
        let report = try await HandMadeHistory().report()
        var expected = MetricsReport.Counts()
        (expected.total, expected.detected, expected.resolved, expected.cancelled) = (5, 1, 3, 1)
        #expect(report.counts == expected)
    }

    @Test func onlyResolvedIncidentsAreAveraged() async throws {
        let all = try await HandMadeHistory().report().overall
        // TTD of A and C: 120 and 600; p90 at rank 0.9 → 120 + 0.9 × 480 = 552.
        #expect(all.all.ttd == Aggregate(n: 2, mean: 360, median: 360, p90: 552, max: 600))
        #expect(all.injected.ttd == Aggregate([120]))
        #expect(all.real.ttd == Aggregate([600]))
        #expect(all.all.tta == Aggregate([60]))
        // TTR of A, B, C: 600, 1800, 2400; p90 at rank 1.8 → 1800 + 0.8 × 600 = 2280.
        #expect(all.all.ttr == Aggregate(n: 3, mean: 1600, median: 1800, p90: 2280, max: 2400))
        #expect(all.all.ttc == Aggregate([1200, 1800, 2400]))
        // Starts of A, B, C, D are a day apart; E is cancelled.
        #expect(all.all.mtbf == Aggregate([86400, 86400, 86400]))
        #expect(all.injected.mtbf == Aggregate([86400]))
        #expect(all.real.mtbf == Aggregate([86400]))
    }

    @Test func openIncidentsAreListedWithTheirAge() async throws {
        let history = try await HandMadeHistory()
        let open = try await history.report().openIncidents
        #expect(open.map(\.id) == [history.ids[3]])
        #expect(open.first?.status == .detected)
        #expect(open.first?.ageS == 172_800, "now is day 5, D started on day 3")
    }

    @Test func theScorecardCountsInjectedFailuresNobodyNoticed() async throws {
        let history = try await HandMadeHistory()
        let detection = try await history.report().detection
        #expect((detection.injected, detection.detected, detection.rate) == (2, 1, 0.5))
        #expect(
            detection.byFaultType.map { "\($0.faultType ?? "-") \($0.detected)/\($0.injected)" }
                == ["error 0/1", "latency 1/1"])
        #expect(detection.byFaultType.last?.medianTtdS == 120)
        #expect(detection.byMethod.map(\.method) == ["alert:Latency"])
        #expect(detection.undetected.map(\.id) == [history.ids[1]])
    }

    @Test func breakdownsGroupEveryDimension() async throws {
        let breakdowns = try await HandMadeHistory().report().breakdowns
        #expect(breakdowns.service.map(\.key) == ["app"] && breakdowns.service.first?.count == 4)
        #expect(breakdowns.detection.map(\.key) == [nil, "alert:Latency", "customer", "probe"])
        #expect(breakdowns.causeCategory.map { "\($0.key ?? "-"):\($0.count)" } == ["-:1", "capacity:1", "drill:2"])
        #expect(breakdowns.faultType.first { $0.key == nil }?.ttr == Aggregate([2400]))
    }

    @Test func filtersNarrowEveryFigure() async throws {
        let history = try await HandMadeHistory()
        let real = try await history.report(ReportRequest(kind: .real))
        #expect(real.counts.total == 3)
        #expect(real.overall.all == real.overall.real)
        #expect(real.overall.injected.ttr.n == 0)
        #expect(real.detection.injected == 0 && real.detection.rate == nil)
        let late = try await history.report(ReportRequest(since: history.f.at(2 * 24 * 60)))
        #expect(late.counts.total == 3 && late.overall.all.ttr == Aggregate([2400]))
    }

    @Test func anEmptyHistoryGivesAnEmptyReport() async throws {
        let f = try await StoreFixture()
        let report = try await f.store.report(ReportRequest())
        #expect(report.counts.total == 0 && report.trend.isEmpty && report.overall.all.ttd.n == 0)
        #expect(report.markdown.contains("No incidents."))
    }
}

struct ReportPeriodTests {
    /// Two incidents an hour apart across midnight UTC at the end of May.
    func history() async throws -> StoreFixture {
        let f = try await StoreFixture()
        for start in ["2026-05-31T22:30:00Z", "2026-06-01T00:30:00Z"] {
            let id = try await f.store.open(
                Incident(title: start, startedAt: Timestamp(rfc3339: start)!), by: "t",
                now: Timestamp(rfc3339: "2026-07-01T00:00:00Z")!
            ).incident.id!
            _ = try await f.store.resolve(
                id, at: Timestamp(rfc3339: start)!.adding(seconds: 600), cause: "c",
                category: nil, fix: nil, prevent: [], by: "t",
                now: Timestamp(rfc3339: "2026-07-01T00:00:00Z")!)
        }
        return f
    }

    @Test(arguments: [
        ("UTC", ["2026-05:1", "2026-06:1"]), ("Europe/Paris", ["2026-06:2"]),
        ("America/New_York", ["2026-05:2"]),
    ])
    func monthsBeginAtLocalMidnight(zone: String, expected: [String]) async throws {
        let f = try await history()
        let report = try await f.store.report(ReportRequest(timeZone: TimeZone(identifier: zone)!))
        #expect(report.trend.map { "\($0.period):\($0.count)" } == expected)
    }

    /// In Asunción midnight was skipped on 2023-10-01 (clocks went from 00:00 to 01:00): that month begins
    /// at 01:00, and every later month at 00:00 again, however many periods the report spans and wherever
    /// `--since` starts it.
    @Test func periodsStartAtTheirOwnFirstInstantAfterADaylightSavingGap() async throws {
        let f = try await StoreFixture()
        let zone = TimeZone(identifier: "America/Asuncion")!
        let now = Timestamp(rfc3339: "2024-03-01T00:00:00Z")!
        // 00:30 local on the first of each month; -03:00 in the southern summer, -04:00 before.
        for start in ["2023-09-01T04:30:00Z", "2023-11-01T03:30:00Z", "2023-12-01T03:30:00Z", "2024-01-01T03:30:00Z"] {
            let at = Timestamp(rfc3339: start)!
            let id = try await f.store.open(Incident(title: start, startedAt: at), by: "t", now: now).incident.id!
            _ = try await f.store.resolve(
                id, at: at.adding(seconds: 60), cause: "c", category: nil, fix: nil, prevent: [], by: "t", now: now)
        }
        let trend = try await f.store.report(ReportRequest(now: now, timeZone: zone)).trend
        #expect(
            trend.map { "\($0.period) \($0.start) \($0.count)" } == [
                "2023-09 2023-09-01T04:00:00Z 1", "2023-10 2023-10-01T04:00:00Z 0", "2023-11 2023-11-01T03:00:00Z 1",
                "2023-12 2023-12-01T03:00:00Z 1", "2024-01 2024-01-01T03:00:00Z 1",
            ])
        let since = Timestamp(rfc3339: "2023-11-15T00:00:00Z")!
        let later = try await f.store.report(ReportRequest(since: since, now: now, timeZone: zone)).trend
        #expect(later.map(\.start) == trend.suffix(2).map(\.start), "--since gives the same boundaries")
    }

    @Test func weeksBeginOnMondayAndQuartersOnTheirFirstMonth() async throws {
        let f = try await history()
        let utc = TimeZone(identifier: "UTC")!
        let weeks = try await f.store.report(ReportRequest(period: .week, timeZone: utc)).trend
        #expect(weeks.map(\.period) == ["2026-W22", "2026-W23"])
        #expect(weeks.map(\.start.description) == ["2026-05-25T00:00:00Z", "2026-06-01T00:00:00Z"])
        let quarters = try await f.store.report(ReportRequest(period: .quarter, timeZone: utc)).trend
        #expect(
            quarters.map { "\($0.period) \($0.start) \($0.count)" }
                == ["2026-Q2 2026-04-01T00:00:00Z 2"])
    }

    @Test func emptyPeriodsAreShownAndChangesAreAgainstThePreviousPeriod() async throws {
        let f = try await StoreFixture()
        let now = Timestamp(rfc3339: "2026-06-01T00:00:00Z")!
        for (start, minutes) in [
            ("2026-01-10T10:00:00Z", 30.0), ("2026-03-10T10:00:00Z", 10.0),
            ("2026-03-20T10:00:00Z", 20.0),
        ] {
            let at = Timestamp(rfc3339: start)!
            let id = try await f.store.open(Incident(title: start, startedAt: at), by: "t", now: now).incident.id!
            _ = try await f.store.resolve(
                id, at: at.adding(seconds: minutes * 60), cause: "c", category: nil, fix: nil,
                prevent: [], by: "t", now: now)
        }
        let trend = try await f.store.report(ReportRequest(timeZone: TimeZone(identifier: "UTC")!)).trend
        #expect(trend.map(\.period) == ["2026-01", "2026-02", "2026-03"])
        #expect(trend.map(\.count) == [1, 0, 2])
        #expect(trend.map(\.ttr.median) == [1800, nil, 900])
        #expect(trend[0].change == nil)
        #expect(trend[1].change == MetricsReport.Change(count: -1, medianTtdS: nil, medianTtrS: nil))
        #expect(trend[2].change?.count == 2 && trend[2].change?.medianTtrS == nil, "no median to compare with")
    }
}

struct RecurrenceTests {
    @Test func aCauseThatReturnsAfterItsPreventiveChangeIsMarked() async throws {
        let f = try await StoreFixture()
        func resolvedIncident(_ minutes: Double, service: String = "app", category: String) async throws -> Int64 {
            let id = try await f.store.open(
                Incident(title: "at \(minutes)", service: service, startedAt: f.at(minutes)),
                by: "t", now: f.now
            ).incident.id!
            _ = try await f.store.resolve(
                id, at: f.at(minutes + 5), cause: "c", category: category, fix: nil,
                prevent: [], by: "t", now: f.now)
            return id
        }
        let first = try await resolvedIncident(-500, category: "capacity")
        let action = try await f.store.addAction(
            to: first,
            ActionItem(
                incidentId: first, title: "bigger pool",
                createdAt: f.at(-490)), by: "t", now: f.now)
        let before = try await resolvedIncident(-400, category: "capacity")
        _ = try await f.store.closeAction(action.id!, as: .done, reason: nil, at: f.at(-300), by: "t", now: f.now)
        let after = try await resolvedIncident(-200, category: "capacity")
        _ = try await resolvedIncident(-100, service: "api", category: "capacity")
        _ = try await resolvedIncident(-50, category: "config")

        let recurrences = try await f.store.report(ReportRequest(now: f.now)).recurrences
        #expect(recurrences.map(\.id) == [after, before])
        #expect(recurrences.map(\.earlierId) == [before, first])
        #expect(recurrences[0].failedPrevention?.actionId == action.id, "the pool change was done before")
        #expect(recurrences[1].failedPrevention == nil, "the change was not done yet")
    }
}

struct ReportMarkdownTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("incidents.db.sample")

    /// Compares `text` with a golden file; `UPDATE_GOLDEN=1 swift test` rewrites it after an intended change.
    static func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(
            text == golden, "differs from Fixtures/\(name); rerun with UPDATE_GOLDEN=1 if intended",
            sourceLocation: sourceLocation)
    }

    /// Every gridline of a chart is a round number: a step of 1, 2, 2.5 or 5 × 10ⁿ, never 0.375.
    @Test(arguments: [0.001, 0.3, 1.5, 2.5, 3.9, 7, 37, 100, 1234])
    func chartAxesStepInRoundNumbers(value: Double) {
        let (top, steps) = SVGChart.niceAxis(value)
        let step = top / Double(steps)
        let magnitude = pow(10, log10(step).rounded(.down))
        #expect(top >= value && top <= value * 2, "\(value) → \(top)")
        #expect((3...5).contains(steps))
        #expect([1, 2, 2.5, 5].contains { abs($0 * magnitude - step) < magnitude * 1e-9 }, "\(value) → step \(step)")
    }

    @Test func theSampleReportMatchesItsGoldenFile() async throws {
        let directory = try TemporaryDirectory()
        let copy = directory.path("sample.db")
        try FileManager.default.copyItem(atPath: Self.sample.path, toPath: copy)
        let store = try IncidentStore.open(path: copy, ifMissing: .fail)
        let report = try await store.report(
            ReportRequest(
                now: Timestamp(rfc3339: "2026-11-29T00:00:00Z")!,
                timeZone: TimeZone(identifier: "UTC")!))
        try Self.expectGolden(report.markdown, "report-sample.md")
    }

    @Test func theSampleHTMLReportMatchesItsGoldenFile() async throws {
        let directory = try TemporaryDirectory()
        let copy = directory.path("sample.db")
        try FileManager.default.copyItem(atPath: Self.sample.path, toPath: copy)
        let report = try await IncidentStore.open(path: copy, ifMissing: .fail).report(
            ReportRequest(now: Timestamp(rfc3339: "2026-11-29T00:00:00Z")!, timeZone: TimeZone(identifier: "UTC")!))
        try Self.expectGolden(report.html, "report-sample.html")
    }

    @Test func theHTMLReportIsSelfContainedAndEscapesUserText() async throws {
        let f = try await StoreFixture()
        let id = try await f.store.open(
            Incident(
                title: "<script>alert('x')</script> & \"quotes\"", kind: .injected, fault: "abort", startedAt: f.at(0)),
            by: "<b>bold</b>", now: f.now
        ).incident.id!
        _ = try await f.store.resolve(
            id, at: f.at(5), cause: "c", category: nil, fix: nil, prevent: [], by: "t", now: f.now)
        _ = try await f.store.open(Incident(title: "still open <img src=x>", startedAt: f.at(1)), by: "t", now: f.now)
        let html = try await f.store.report(ReportRequest(now: f.now)).html
        #expect(!html.contains("<script") && !html.contains("<img"), "user text is escaped")
        #expect(html.contains("still open &lt;img src=x&gt;"))
        let outside = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!outside.contains("http"), "nothing to fetch: no URL but the SVG namespace")
        #expect(
            html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 2, "the trend and the detection chart")
    }

    @Test func userTextCannotBreakATableOrInjectHTML() {
        let table = Markdown.table(
            header: ["id", "title"],
            rows: [["#1", "a | b `code` <script>alert(1)</script>\nsecond & *bold*"]])
        let row = table.split(separator: "\n").last.map(String.init) ?? ""
        #expect(table.split(separator: "\n").count == 3, "the newline stays inside the cell")
        #expect(row == "| \\#1 | a \\| b \\`code\\` &lt;script&gt;alert(1)&lt;/script&gt; second &amp; \\*bold\\* |")
        let unescapedPipes = row.enumerated().filter { index, character in
            character == "|" && (index == 0 || Array(row)[index - 1] != "\\")
        }
        #expect(unescapedPipes.count == 3, "two columns: three cell borders")
    }
}

struct PercentileTests {
    /// Selection must agree with sorting, on data with duplicates, in any order.
    @Test(arguments: [1, 2, 3, 10, 101, 1000])
    func selectionAgreesWithSorting(count: Int) {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<count).map { _ in Double(Int.random(in: 0..<50, using: &generator)) }
        let sorted = values.sorted()
        func expected(_ p: Double) -> Double {
            let rank = Double(count - 1) * p
            let lower = Int(rank.rounded(.down))
            return sorted[lower] + (rank - Double(lower)) * (sorted[min(lower + 1, count - 1)] - sorted[lower])
        }
        for p in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            var copy = values
            #expect(abs(Aggregate.percentile(p, of: &copy) - expected(p)) < 1e-9, "p\(p) of \(values)")
        }
        // The aggregate selects p90 only above the median's rank, after selecting the median.
        let aggregate = Aggregate(values)
        #expect(aggregate.median == Aggregate.milliseconds(expected(0.5)), "median of \(values)")
        #expect(aggregate.p90 == Aggregate.milliseconds(expected(0.9)), "p90 of \(values)")
    }
}
