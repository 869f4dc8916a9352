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
    let db: any SQLSession
    let request: ReportRequest
    /// The report's filters as an SQL condition on `incident`, and its arguments.
    let scope: SQLConditions

    init(db: any SQLSession, request: ReportRequest) {
        self.db = db
        self.request = request
        var scope = SQLConditions()
        scope.add("started_at >= ?", request.since)
        scope.add("started_at < ?", request.until)
        scope.add(service: request.service, db)
        scope.add("kind = ?", request.kind)
        scope.add("severity = ?", request.severity)
        self.scope = scope
    }

    func build() throws -> MetricsReport {
        var accumulator = ReportAccumulator(request: request)
        let cursor = try db.cursor(
            """
            SELECT id, started_at, kind = 'injected' AS injected, service, severity, fault, detection, cause_category,
                   cancelled, detected_at, acknowledged_at, mitigated_at, resolved_at
            FROM incident WHERE \(scope.sql) ORDER BY started_at, id
            """, scope.arguments.map { $0?.databaseValue ?? .null })
        while let row = try cursor.next() {
            // By position, in the order of the SELECT: the fast path of GRDB's row decoding.
            try accumulator.add(
                ReportAccumulator.Facts(
                    id: row[0], start: row[1], injected: row[2], service: row[3],
                    severity: row[4], faultType: (row[5] as String?).map(IncidentFault.type(of:)), detection: row[6],
                    causeCategory: row[7], cancelled: row[8],
                    detected: row[9], acknowledged: row[10], mitigated: row[11], resolved: row[12]))
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
            recurrences: try recurrences(accumulator.recurrences),
            delivery: try delivery())
    }

    /// The four keys of the deploys in the report's window and services, and of the incidents they caused.
    func delivery() throws -> DeliveryReport {
        var scope = SQLConditions()
        scope.add("deploy.deployed_at >= ?", request.since)
        scope.add("deploy.deployed_at < ?", request.until)
        if let pattern = request.service {
            let match = db.condition("deploy.service", matchingGlob: pattern.lowercased())
            scope.add(match.sql, match.argument)
        }
        let deploys = try db.rows(
            "SELECT id, service, deployed_at, committed_at, result FROM deploy WHERE \(scope.sql) "
                + "ORDER BY deployed_at, id", scope.arguments
        ).map { row in
            let deployed: Timestamp = try row["deployed_at"]
            return try DeliveryReport.DeployFacts(
                id: row["id"], service: row["service"], deployedAt: deployed,
                leadTime: (row["committed_at"] as Timestamp?).map { $0.seconds(until: deployed) },
                failedByResult: DeployResult(rawValue: row["result"])?.isFailure ?? true)
        }
        let caused = try db.rows(
            "SELECT deploy.id AS deploy_id, deploy.deployed_at, incident.started_at, incident.mitigated_at, "
                + "incident.resolved_at FROM incident JOIN deploy ON deploy.id = incident.caused_by "
                + "WHERE \(scope.sql) AND NOT incident.cancelled", scope.arguments
        ).map { row in
            let started: Timestamp = try row["started_at"]
            return try DeliveryReport.CausedIncident(
                deploy: row["deploy_id"], failureLead: (row["deployed_at"] as Timestamp).seconds(until: started),
                ttr: Timestamp.seconds(from: started, to: row["mitigated_at"] ?? row["resolved_at"]))
        }
        return DeliveryReport(deploys: deploys, caused: caused, request: request)
    }

    func openIncidents() throws -> [MetricsReport.OpenIncident] {
        try db.rows(
            "SELECT id, title, service, severity, started_at, detected_at, acknowledged_at, mitigated_at "
                + "FROM incident WHERE \(scope.sql) AND NOT cancelled AND resolved_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(MetricsReport.listLimit)", scope.arguments
        ).map { row in
            let started: Timestamp = try row["started_at"]
            let status = try IncidentStatus(
                cancelled: false, detected: row["detected_at"],
                acknowledged: row["acknowledged_at"], mitigated: row["mitigated_at"],
                resolved: nil)
            return try MetricsReport.OpenIncident(
                id: row["id"], title: row["title"], service: row["service"], severity: row["severity"],
                status: status, startedAt: started, ageS: started.seconds(until: request.now))
        }
    }

    func undetected() throws -> [MetricsReport.IncidentReference] {
        try db.rows(
            "SELECT id, title, fault, started_at FROM incident WHERE \(scope.sql) AND kind = 'injected' "
                + "AND NOT cancelled AND resolved_at IS NOT NULL AND detected_at IS NULL "
                + "ORDER BY started_at DESC, id DESC LIMIT \(MetricsReport.listLimit)", scope.arguments
        ).map {
            try MetricsReport.IncidentReference(
                id: $0["id"], title: $0["title"], fault: $0["fault"], startedAt: $0["started_at"])
        }
    }

    /// How many resolved injected incidents a detector caught only after they had recovered.
    func detectedAfterRecovery() throws -> Int {
        try db.value(
            "SELECT count(*) FROM incident WHERE \(scope.sql) AND kind = 'injected' AND NOT cancelled "
                + "AND resolved_at IS NOT NULL AND detected_at IS NULL AND EXISTS (SELECT 1 FROM timeline_event "
                + "WHERE incident_id = incident.id AND kind = 'late_detection')", scope.arguments) ?? 0
    }

    /// Completes the newest recurrences found by the pass with their titles and the preventive change,
    /// done before they started, that did not prevent them.
    func recurrences(_ found: [ReportAccumulator.Repeat]) throws -> [MetricsReport.Recurrence] {
        guard !found.isEmpty else { return [] }
        let titles = try Dictionary(
            uniqueKeysWithValues: db.rows(
                "SELECT id, title FROM incident WHERE id IN (\(found.map { String($0.id) }.joined(separator: ",")))"
            ).map { try ($0["id"] as Int64, $0["title"] as String) })
        let preventions = try db.rows(
            """
            SELECT service, cause_category, started_at, action_item.id AS action_id, incident_id,
                   action_item.title AS action_title, closed_at
            FROM action_item JOIN incident ON incident.id = incident_id
            WHERE action_item.kind = 'prevent' AND status = 'done' AND incident.kind = 'real' AND NOT cancelled
              AND cause_category IS NOT NULL
            """
        ).map { row in
            try ReportAccumulator.DonePrevention(
                service: row["service"], causeCategory: row["cause_category"], incidentStart: row["started_at"],
                action: MetricsReport.Prevention(
                    actionId: row["action_id"], incidentId: row["incident_id"], title: row["action_title"],
                    closedAt: row["closed_at"]))
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
