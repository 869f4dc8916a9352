import Foundation
import GRDB

extension IncidentStore {
    /// Computes every figure of `incident report` in one read transaction. SQLite filters, groups and
    /// sorts; only one group's durations are held in memory at a time, so memory stays flat with history.
    public func report(_ request: ReportRequest) throws -> MetricsReport {
        try read { db in try ReportBuilder(db: db, request: request).build() }
    }
}

/// Runs the report's queries; see ``MetricsReport`` for what each part means.
struct ReportBuilder {
    /// How many incidents a list in the report holds at most (the newest); totals count them all.
    static let listLimit = 100

    let db: Database
    let request: ReportRequest
    /// The report's filters as an SQL condition on `incident`, and its arguments.
    let scope: String
    let arguments: StatementArguments

    static let counted = "NOT cancelled AND resolved_at IS NOT NULL"
    static let ttd = "(detected_at - started_at) / 1000.0"
    static let tta = "(acknowledged_at - detected_at) / 1000.0"
    static let ttr = "(coalesce(mitigated_at, resolved_at) - started_at) / 1000.0"
    static let ttc = "(resolved_at - started_at) / 1000.0"
    static let faultType = "CASE WHEN instr(fault, ' ') > 0 THEN substr(fault, 1, instr(fault, ' ') - 1) ELSE fault END"

    init(db: Database, request: ReportRequest) {
        self.db = db
        self.request = request
        var conditions = ["1"]
        var values: [(any DatabaseValueConvertible)?] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            values.append(value)
        }
        add("started_at >= ?", request.since)
        add("started_at < ?", request.until)
        add("service = ?", request.service?.lowercased())
        add("kind = ?", request.kind)
        add("severity = ?", request.severity)
        scope = conditions.joined(separator: " AND ")
        arguments = StatementArguments(values)
    }

    func build() throws -> MetricsReport {
        MetricsReport(
            generatedAt: request.now,
            filters: MetricsReport.Filters(
                since: request.since, until: request.until, period: request.period, service: request.service,
                kind: request.kind, severity: request.severity, timeZone: request.timeZone.identifier),
            counts: try counts(),
            overall: try overall(),
            openIncidents: try openIncidents(),
            trend: try trend(),
            breakdowns: MetricsReport.Breakdowns(
                service: try groups(by: "service"), severity: try groups(by: "severity"),
                faultType: try groups(by: Self.faultType), detection: try groups(by: "detection"),
                causeCategory: try groups(by: "cause_category")),
            detection: try detectionScorecard(),
            recurrences: try recurrences())
    }

    func counts() throws -> MetricsReport.Counts {
        let status = "CASE " + IncidentStatus.allCases.map { "WHEN \($0.sqlCondition) THEN '\($0.rawValue)'" }
            .joined(separator: " ") + " END"
        var counts = MetricsReport.Counts()
        for row in try Row.fetchAll(db, sql: "SELECT \(status), count(*) FROM incident WHERE \(scope) GROUP BY 1",
                                    arguments: arguments) {
            let count: Int = row[1]
            counts.total += count
            switch IncidentStatus(rawValue: row[0]) {
            case .open: counts.open = count
            case .detected: counts.detected = count
            case .acknowledged: counts.acknowledged = count
            case .mitigated: counts.mitigated = count
            case .resolved: counts.resolved = count
            case .cancelled: counts.cancelled = count
            case nil: break
            }
        }
        return counts
    }

    func overall() throws -> MetricsReport.Overall {
        var byKind: [String: [[Double]]] = [:]
        try forEachGroup("SELECT kind, \(Self.ttd), \(Self.tta), \(Self.ttr), \(Self.ttc) FROM incident "
                         + "WHERE \(scope) AND \(Self.counted) ORDER BY kind") { kind, columns, _ in
            if let kind { byKind[kind] = columns }
        }
        let gaps = try timeBetweenFailures()
        func stats(_ kinds: [IncidentKind]) -> MetricsReport.Stats {
            let columns = (0..<4).map { column in kinds.flatMap { byKind[$0.rawValue]?[column] ?? [] } }
            let mtbf = kinds.count == 1 ? gaps[kinds[0].rawValue] ?? [] : gaps["all"] ?? []
            return MetricsReport.Stats(ttd: Aggregate(columns[0]), tta: Aggregate(columns[1]),
                                       ttr: Aggregate(columns[2]), ttc: Aggregate(columns[3]),
                                       mtbf: Aggregate(mtbf))
        }
        return MetricsReport.Overall(all: stats([.injected, .real]), injected: stats([.injected]),
                                     real: stats([.real]))
    }

    /// Gaps in seconds between consecutive starts of one service, over all incidents ("all") and per kind.
    func timeBetweenFailures() throws -> [String: [Double]] {
        var gaps: [String: [Double]] = [:]
        var previous: [String: (service: String, start: Int64)] = [:]
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT service, kind, started_at FROM incident WHERE \(scope) AND NOT cancelled "
                + "ORDER BY service, started_at", arguments: arguments)
        while let row = try cursor.next() {
            let service: String = row[0]
            let start: Int64 = row[2]
            for key in ["all", row[1] as String] {
                if let last = previous[key], last.service == service {
                    gaps[key, default: []].append(Double(start - last.start) / 1000)
                }
                previous[key] = (service, start)
            }
        }
        return gaps
    }

    func openIncidents() throws -> [MetricsReport.OpenIncident] {
        try Row.fetchAll(
            db, sql: "SELECT id, title, service, severity, started_at, detected_at, acknowledged_at, mitigated_at "
                + "FROM incident WHERE \(scope) AND NOT cancelled AND resolved_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(Self.listLimit)", arguments: arguments
        ).map { row in
            let started: Timestamp = row["started_at"]
            let status: IncidentStatus = row["mitigated_at"] != nil ? .mitigated
                : row["acknowledged_at"] != nil ? .acknowledged : row["detected_at"] != nil ? .detected : .open
            return MetricsReport.OpenIncident(
                id: row["id"], title: row["title"], service: row["service"], severity: row["severity"],
                status: status, startedAt: started, ageS: started.seconds(until: request.now))
        }
    }

    /// One row per period from the first incident's to the last's, empty periods included.
    func trend() throws -> [MetricsReport.PeriodRow] {
        let calendar = ReportPeriod.calendar(in: request.timeZone)
        var rows: [MetricsReport.PeriodRow] = []
        var periodStart: Date?
        var periodEnd = Date.distantPast
        var count = 0
        var durations: [[Double]] = [[], []]
        func close() {
            guard let start = periodStart else { return }
            let ttd = Aggregate(durations[0])
            let ttr = Aggregate(durations[1])
            let change = rows.last.map { previous in
                MetricsReport.Change(count: count - previous.count,
                                     medianTtdS: difference(ttd.median, previous.ttd.median),
                                     medianTtrS: difference(ttr.median, previous.ttr.median))
            }
            rows.append(MetricsReport.PeriodRow(
                period: request.period.label(of: start, in: calendar), start: Timestamp(start), count: count,
                ttd: ttd, ttr: ttr, change: change))
            count = 0
            durations = [[], []]
        }
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT started_at, \(Self.ttd), \(Self.ttr), \(Self.counted) FROM incident "
                + "WHERE \(scope) AND NOT cancelled ORDER BY started_at", arguments: arguments)
        while let row = try cursor.next() {
            let started = (row[0] as Timestamp).date
            while started >= periodEnd {
                close()
                let start = periodStart.map { request.period.next(after: $0, in: calendar) }
                    ?? request.period.start(of: started, in: calendar)
                periodStart = start
                periodEnd = request.period.next(after: start, in: calendar)
            }
            count += 1
            if row[3] as Bool {
                if let ttd = row[1] as Double? { durations[0].append(ttd) }
                if let ttr = row[2] as Double? { durations[1].append(ttr) }
            }
        }
        close()
        return rows
    }

    /// Count, TTD and TTR of the incidents sharing each value of `dimension` (an SQL expression).
    func groups(by dimension: String) throws -> [MetricsReport.Group] {
        var groups: [MetricsReport.Group] = []
        try forEachGroup("SELECT \(dimension), CASE WHEN \(Self.counted) THEN \(Self.ttd) END, "
                         + "CASE WHEN \(Self.counted) THEN \(Self.ttr) END FROM incident "
                         + "WHERE \(scope) AND NOT cancelled ORDER BY 1") { key, columns, rows in
            groups.append(MetricsReport.Group(key: key, count: rows, ttd: Aggregate(columns[0]),
                                              ttr: Aggregate(columns[1])))
        }
        return groups
    }

    func detectionScorecard() throws -> MetricsReport.DetectionScorecard {
        let injected = "\(scope) AND \(Self.counted) AND kind = 'injected'"
        var byFault: [MetricsReport.FaultDetection] = []
        try forEachGroup("SELECT \(Self.faultType), \(Self.ttd) FROM incident WHERE \(injected) ORDER BY 1") {
            fault, columns, rows in
            byFault.append(MetricsReport.FaultDetection(
                faultType: fault, injected: rows, detected: columns[0].count,
                rate: Double(columns[0].count) / Double(rows), medianTtdS: Aggregate(columns[0]).median))
        }
        var byMethod: [MetricsReport.MethodDetection] = []
        try forEachGroup("SELECT detection, \(Self.ttd) FROM incident WHERE \(injected) "
                         + "AND detected_at IS NOT NULL ORDER BY 1") { method, columns, _ in
            byMethod.append(MetricsReport.MethodDetection(method: method, detected: columns[0].count,
                                                          medianTtdS: Aggregate(columns[0]).median))
        }
        let undetected = try Row.fetchAll(
            db, sql: "SELECT id, title, fault, started_at FROM incident WHERE \(injected) AND detected_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(Self.listLimit)", arguments: arguments
        ).map { MetricsReport.IncidentReference(id: $0[0], title: $0[1], fault: $0[2], startedAt: $0[3]) }
        let total = byFault.reduce(0) { $0 + $1.injected }
        let detected = byFault.reduce(0) { $0 + $1.detected }
        return MetricsReport.DetectionScorecard(
            injected: total, detected: detected, rate: total == 0 ? nil : Double(detected) / Double(total),
            byFaultType: byFault, byMethod: byMethod, undetected: undetected)
    }

    /// Real incidents repeating the service and cause category of an earlier real one (any time before,
    /// even outside the report's window), newest first.
    func recurrences() throws -> [MetricsReport.Recurrence] {
        if request.kind == .injected { return [] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM (
                SELECT id, title, started_at, service, cause_category, severity, kind,
                       lag(id) OVER earlier AS earlier_id, lag(started_at) OVER earlier AS earlier_started_at
                FROM incident WHERE kind = 'real' AND NOT cancelled AND cause_category IS NOT NULL
                WINDOW earlier AS (PARTITION BY service, cause_category ORDER BY started_at, id))
            WHERE earlier_id IS NOT NULL AND \(scope)
            ORDER BY started_at DESC, id DESC LIMIT \(Self.listLimit)
            """, arguments: arguments)
        return try rows.map { row in
            let prevention = try Row.fetchOne(db, sql: """
                SELECT action_item.id, incident_id, action_item.title, closed_at FROM action_item
                JOIN incident ON incident.id = incident_id
                WHERE service = ? AND cause_category = ? AND incident.kind = 'real' AND NOT cancelled AND started_at < ?
                  AND action_item.kind = 'prevent' AND status = 'done' AND closed_at <= ?
                ORDER BY closed_at DESC LIMIT 1
                """, arguments: [row["service"], row["cause_category"], row["started_at"], row["started_at"]])
            return MetricsReport.Recurrence(
                id: row["id"], title: row["title"], startedAt: row["started_at"], service: row["service"],
                causeCategory: row["cause_category"], earlierId: row["earlier_id"],
                earlierStartedAt: row["earlier_started_at"],
                failedPrevention: prevention.map {
                    MetricsReport.Prevention(actionId: $0[0], incidentId: $0[1], title: $0[2], closedAt: $0[3])
                })
        }
    }

    /// Runs `sql`, whose rows are a group key then duration columns, ordered by key, and calls `body` once
    /// per group with each column's non-null values and the group's row count.
    func forEachGroup(_ sql: String, _ body: (String?, [[Double]], Int) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var key: String?
        var columns: [[Double]] = []
        var rows = 0
        while let row = try cursor.next() {
            let rowKey = row[0] as String?
            if rows == 0 || rowKey != key {
                if rows > 0 { try body(key, columns, rows) }
                key = rowKey
                columns = Array(repeating: [], count: row.count - 1)
                rows = 0
            }
            rows += 1
            for column in 1..<row.count {
                if let value = row[column] as Double? { columns[column - 1].append(value) }
            }
        }
        if rows > 0 { try body(key, columns, rows) }
    }
}

private func difference(_ current: Double?, _ previous: Double?) -> Double? {
    guard let current, let previous else { return nil }
    return current - previous
}
