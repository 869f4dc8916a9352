import Foundation
import GRDB

extension IncidentStore {
    public func detail(_ id: Int64) async throws -> IncidentDetail {
        try await read { try Self.detail($0, id) }
    }

    static func detail(_ db: Database, _ id: Int64) throws -> IncidentDetail {
        guard let incident = try Incident.fetchOne(db, key: id) else { throw IncidentError.unknownIncident(id) }
        let timeline =
            try TimelineEvent
            .filter(TimelineEvent.CodingKeys.incidentId == id)
            .order(TimelineEvent.CodingKeys.at, TimelineEvent.CodingKeys.id)
            .fetchAll(db)
        let actions =
            try ActionItem
            .filter(ActionItem.CodingKeys.incidentId == id)
            .order(ActionItem.CodingKeys.id)
            .fetchAll(db)
        let sources = try String.fetchAll(
            db, sql: "SELECT key FROM incident_source WHERE incident_id = ? ORDER BY key", arguments: [id])
        return IncidentDetail(incident: incident, timeline: timeline, actions: actions, sources: sources)
    }

    public func list(_ filter: IncidentFilter = IncidentFilter()) async throws -> [Incident] {
        typealias Column = Incident.CodingKeys
        var request = Incident.all()
        if !filter.statuses.isEmpty {
            request = request.filter(
                sql: filter.statuses.map { "(\(Self.condition(selecting: $0)))" }.joined(separator: " OR "))
        }
        if let service = filter.service {
            request = request.filter(sql: "service GLOB ?", arguments: [service.lowercased()])
        }
        if let severity = filter.severity { request = request.filter(Column.severity == severity) }
        if let kind = filter.kind { request = request.filter(Column.kind == kind) }
        if let since = filter.since { request = request.filter(Column.startedAt >= since) }
        request = request.order(Column.startedAt.desc, Column.id.desc)
        if let limit = filter.limit { request = request.limit(limit) }
        let selected = request
        return try await read { try selected.fetchAll($0) }
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
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM incident WHERE target = ? AND fault_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM timeline_event
                        WHERE incident_id = incident.id AND kind IN ('fault_cleared', 'fault_expired'))
                    ORDER BY id
                    """, arguments: [target]
            ).map { try Self.detail(db, $0) }
        }
    }

    public func actions(openOnly: Bool = false, incident: Int64? = nil) async throws -> [ActionItem] {
        var request = ActionItem.order(ActionItem.CodingKeys.id)
        if openOnly { request = request.filter(ActionItem.CodingKeys.status == ActionStatus.open) }
        if let incident { request = request.filter(ActionItem.CodingKeys.incidentId == incident) }
        let selected = request
        return try await read { db in
            if let incident, try !Incident.exists(db, key: incident) { throw IncidentError.unknownIncident(incident) }
            return try selected.fetchAll(db)
        }
    }
}
