import Foundation
import GRDB

extension IncidentStore {
    public func detail(_ id: Int64) async throws -> IncidentDetail {
        try await read { try Self.detail($0, id) }
    }

    static func detail(_ db: any SQLSession, _ id: Int64) throws -> IncidentDetail {
        guard let incident = try db.record(Incident.self, id: id) else { throw IncidentError.unknownIncident(id) }
        let timeline = try db.records(TimelineEvent.self, where: "incident_id = ?", [id], order: "at, id")
        let actions = try db.records(ActionItem.self, where: "incident_id = ?", [id])
        let sources: [String] = try db.values(
            "SELECT key FROM incident_source WHERE incident_id = ? ORDER BY key", [id])
        return IncidentDetail(incident: incident, timeline: timeline, actions: actions, sources: sources)
    }

    public func list(_ filter: IncidentFilter = IncidentFilter()) async throws -> [Incident] {
        try await read { db in
            let query = Self.listQuery(filter, db)
            return try db.records(
                Incident.self, where: query.sql, query.arguments, order: Self.listOrder, limit: filter.limit)
        }
    }

    public func list(_ filter: IncidentFilter, each body: @Sendable (Incident) throws -> Void) async throws {
        try await read { db in
            let query = Self.listQuery(filter, db)
            let incidents = try db.recordCursor(
                Incident.self, where: query.sql, query.arguments, order: Self.listOrder, limit: filter.limit)
            while let incident = try incidents.next() { try body(incident) }
        }
    }

    private static let listOrder = "started_at DESC, id DESC"

    private static func listQuery(_ filter: IncidentFilter, _ db: any SQLSession) -> SQLConditions {
        var conditions = SQLConditions()
        if !filter.statuses.isEmpty {
            conditions.add(filter.statuses.map { "(\(Self.condition(selecting: $0)))" }.joined(separator: " OR "))
        }
        conditions.add(service: filter.service, db)
        conditions.add("severity = ?", filter.severity)
        conditions.add("kind = ?", filter.kind)
        conditions.add("started_at >= ?", filter.since)
        return conditions
    }

    /// The SQL condition selecting incidents in `status`; it mirrors how ``IncidentStatus`` is derived.
    static func condition(selecting status: IncidentStatus) -> String {
        switch status {
        case .cancelled: "cancelled"
        case .resolved: "NOT cancelled AND resolved_at IS NOT NULL"
        case .mitigated: "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NOT NULL"
        case .acknowledged:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NOT NULL"
        case .detected:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NULL AND detected_at IS NOT NULL"
        case .open:
            "NOT cancelled AND resolved_at IS NULL AND mitigated_at IS NULL AND acknowledged_at IS NULL AND detected_at IS NULL"
        }
    }

    public func injectedFaults(target: String) async throws -> [IncidentDetail] {
        try await read { db in
            let ids: [Int64] = try db.values(
                """
                SELECT id FROM incident WHERE target = ? AND fault_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM timeline_event
                    WHERE incident_id = incident.id AND kind IN ('fault_cleared', 'fault_expired'))
                ORDER BY id
                """, [target])
            return try ids.map { try Self.detail(db, $0) }
        }
    }

    public func actions(openOnly: Bool = false, incident: Int64? = nil) async throws -> [ActionItem] {
        try await read { db in
            var conditions = ["TRUE"]
            if openOnly { conditions.append("status = 'open'") }
            if let incident {
                guard try db.exists(Incident.self, id: incident) else { throw IncidentError.unknownIncident(incident) }
                conditions.append("incident_id = \(incident)")
            }
            return try db.records(ActionItem.self, where: conditions.joined(separator: " AND "))
        }
    }
}
