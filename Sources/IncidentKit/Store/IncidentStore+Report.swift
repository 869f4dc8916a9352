import Foundation
import GRDB

extension IncidentStore {
    /// Computes every figure of `incident report` in one read transaction: one pass over the incidents in
    /// time order, plus small queries for the lists.
    public func report(_ request: ReportRequest) async throws -> MetricsReport {
        try await read { db in try ReportBuilder(db: db, request: request).build() }
    }
}

/// Reads the incidents of a report once and hands them to a ``ReportAccumulator``; see ``MetricsReport``
/// for what each figure means.
struct ReportBuilder {
    let db: Database
    let request: ReportRequest
    /// The report's filters as an SQL condition on `incident`, and its arguments.
    let scope: String
    let arguments: StatementArguments

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
        add("service GLOB ?", request.service?.lowercased())
        add("kind = ?", request.kind)
        add("severity = ?", request.severity)
        scope = conditions.joined(separator: " AND ")
        arguments = StatementArguments(values)
    }

    func build() throws -> MetricsReport {
        var accumulator = ReportAccumulator(request: request)
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, started_at, kind = 'injected', service, severity, fault, detection, cause_category, cancelled,
                       detected_at, acknowledged_at, mitigated_at, resolved_at
                FROM incident WHERE \(scope) ORDER BY started_at, id
                """, arguments: arguments)
        while let row = try cursor.next() {
            // Times are read as Int64, SQLite's own type, the fast path of GRDB's row decoding.
            func time(_ index: Int) -> Timestamp? { (row[index] as Int64?).map(Timestamp.init(milliseconds:)) }
            accumulator.add(
                ReportAccumulator.Facts(
                    id: row[0], start: Timestamp(milliseconds: row[1]), injected: row[2], service: row[3],
                    severity: row[4], faultType: (row[5] as String?).map(IncidentFault.type(of:)), detection: row[6],
                    causeCategory: row[7], cancelled: row[8],
                    detected: time(9), acknowledged: time(10), mitigated: time(11), resolved: time(12)))
        }
        return MetricsReport(
            generatedAt: request.now,
            filters: MetricsReport.Filters(
                since: request.since, until: request.until, period: request.period, service: request.service,
                kind: request.kind, severity: request.severity, timeZone: request.timeZone.identifier),
            counts: accumulator.counts,
            overall: accumulator.overall,
            openIncidents: try openIncidents(),
            trend: accumulator.trend,
            breakdowns: accumulator.breakdowns,
            detection: accumulator.detection(
                undetected: try undetected(), detectedAfterRecovery: try detectedAfterRecovery()),
            recurrences: try recurrences(accumulator.recurrences))
    }

    func openIncidents() throws -> [MetricsReport.OpenIncident] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, title, service, severity, started_at, detected_at, acknowledged_at, mitigated_at "
                + "FROM incident WHERE \(scope) AND NOT cancelled AND resolved_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(MetricsReport.listLimit)", arguments: arguments
        ).map { row in
            let started: Timestamp = row["started_at"]
            let status = IncidentStatus(
                cancelled: false, detected: row["detected_at"],
                acknowledged: row["acknowledged_at"], mitigated: row["mitigated_at"],
                resolved: nil)
            return MetricsReport.OpenIncident(
                id: row["id"], title: row["title"], service: row["service"], severity: row["severity"],
                status: status, startedAt: started, ageS: started.seconds(until: request.now))
        }
    }

    func undetected() throws -> [MetricsReport.IncidentReference] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, title, fault, started_at FROM incident WHERE \(scope) AND kind = 'injected' "
                + "AND NOT cancelled AND resolved_at IS NOT NULL AND detected_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(MetricsReport.listLimit)", arguments: arguments
        ).map { MetricsReport.IncidentReference(id: $0[0], title: $0[1], fault: $0[2], startedAt: $0[3]) }
    }

    /// How many resolved injected incidents a detector caught only after they had recovered.
    func detectedAfterRecovery() throws -> Int {
        try Int.fetchOne(
            db,
            sql: "SELECT count(*) FROM incident WHERE \(scope) AND kind = 'injected' AND NOT cancelled "
                + "AND resolved_at IS NOT NULL AND detected_at IS NULL AND EXISTS (SELECT 1 FROM timeline_event "
                + "WHERE incident_id = incident.id AND kind = 'late_detection')", arguments: arguments) ?? 0
    }

    /// Completes the newest recurrences found by the pass with their titles and the preventive change,
    /// done before they started, that did not prevent them.
    func recurrences(_ found: [ReportAccumulator.Repeat]) throws -> [MetricsReport.Recurrence] {
        guard !found.isEmpty else { return [] }
        let titles = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(
                db,
                sql:
                    "SELECT id, title FROM incident WHERE id IN (\(found.map { String($0.id) }.joined(separator: ",")))"
            ).map { ($0[0] as Int64, $0[1] as String) })
        let preventions = try Row.fetchAll(
            db,
            sql: """
                SELECT service, cause_category, started_at, action_item.id, incident_id, action_item.title, closed_at
                FROM action_item JOIN incident ON incident.id = incident_id
                WHERE action_item.kind = 'prevent' AND status = 'done' AND incident.kind = 'real' AND NOT cancelled
                  AND cause_category IS NOT NULL
                """
        ).map { row in
            ReportAccumulator.DonePrevention(
                service: row[0], causeCategory: row[1], incidentStart: row[2],
                action: MetricsReport.Prevention(actionId: row[3], incidentId: row[4], title: row[5], closedAt: row[6]))
        }
        return found.reversed().map { recurrence in
            let failed = ReportAccumulator.failedPrevention(of: recurrence, among: preventions)
            return MetricsReport.Recurrence(
                id: recurrence.id, title: titles[recurrence.id] ?? "", startedAt: recurrence.start,
                service: recurrence.service, causeCategory: recurrence.causeCategory, earlierId: recurrence.earlierId,
                earlierStartedAt: recurrence.earlierStart, failedPrevention: failed)
        }
    }
}
