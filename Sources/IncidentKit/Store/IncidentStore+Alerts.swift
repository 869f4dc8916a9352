import Foundation
import GRDB

extension IncidentStore {
    public func recordAlert(_ notice: AlertNotice, lateWindow: Double, by author: String, now: Timestamp = .now)
        async throws -> Alert
    {
        let method = try Detection.validated("alert:" + notice.name)
        let service = try Validate.word(notice.service, field: "service label")
        let title = try Validate.text(
            notice.summary ?? "alert \(notice.name) firing on \(service)", field: "alert summary")
        return try await write { db in
            typealias Column = Alert.CodingKeys
            if var known = try Alert.filter(
                Column.fingerprint == notice.fingerprint && Column.startsAt == notice.startsAt
                    && Column.status == notice.status
            ).fetchOne(db) {
                known.outcome = .duplicate
                return known
            }
            var alert = Alert(
                fingerprint: notice.fingerprint, name: notice.name, service: service, status: notice.status,
                startsAt: notice.startsAt, endsAt: notice.endsAt, labels: notice.labels,
                annotations: notice.annotations,
                receivedAt: now, outcome: .unmatched)
            // A clock ahead of ours must not put an event in the future.
            let at = min(notice.startsAt, now)
            switch notice.status {
            case .firing:
                (alert.incidentId, alert.outcome) = try Self.route(
                    firing: notice, at: at, method: method, service: service, title: title, lateWindow: lateWindow,
                    by: author, now: now, db)
            case .resolved:
                let firing = try Alert.filter(
                    Column.fingerprint == notice.fingerprint && Column.startsAt == notice.startsAt
                        && Column.status == Alert.Status.firing
                ).fetchOne(db)
                if let id = firing?.incidentId, try Incident.exists(db, key: id) {
                    try Self.append(
                        .note, at: min(notice.endsAt ?? now, now),
                        "alert \(notice.name) resolved (it started at \(notice.startsAt)); a resolved alert is not a recovery",
                        to: id, by: author, now: now, db)
                    (alert.incidentId, alert.outcome) = (id, .noted)
                }
            }
            try alert.insert(db)
            return alert
        }
    }

    /// Where a firing alert goes, and what it records there.
    private static func route(
        firing notice: AlertNotice, at: Timestamp, method: String, service: String, title: String, lateWindow: Double,
        by author: String, now: Timestamp, _ db: Database
    ) throws -> (Int64, Alert.Outcome) {
        let candidates = try Incident.fetchAll(
            db,
            sql: """
                SELECT * FROM incident WHERE service = ? AND NOT cancelled AND started_at <= ?
                ORDER BY resolved_at IS NULL AND mitigated_at IS NULL AND detected_at IS NULL DESC,
                         kind = 'injected' DESC, started_at DESC, id DESC
                LIMIT 20
                """, arguments: [service, notice.startsAt])
        let firedText = "alert \(notice.name) fired at \(notice.startsAt)"
        // Ongoing when the alert started, though perhaps recovered by the time the notification arrives
        // (Alertmanager groups and retries): the alert saw this incident.
        func ongoing(_ incident: Incident) -> Bool {
            (incident.mitigatedAt ?? incident.resolvedAt).map { $0 >= notice.startsAt } ?? true
        }
        if var open = candidates.first(where: { ongoing($0) && $0.detectedAt == nil }) {
            open.detectedAt = at
            open.detection = method
            try IncidentRules.validate(open, now: now)
            try open.update(db)
            try append(.detected, at: at, "detected via \(method)", to: open.id!, by: author, now: now, db)
            return (open.id!, .detected)
        }
        if let detected = candidates.first(where: ongoing) {
            try append(
                .note, at: at, "\(firedText); the incident was detected already", to: detected.id!, by: author,
                now: now, db)
            return (detected.id!, .noted)
        }
        let recent = candidates.filter { incident in
            guard let recovered = incident.mitigatedAt ?? incident.resolvedAt else { return false }
            return recovered <= notice.startsAt && recovered.seconds(until: notice.startsAt) <= lateWindow
        }.max { ($0.mitigatedAt ?? $0.resolvedAt)! < ($1.mitigatedAt ?? $1.resolvedAt)! }
        // Late: the first alert of its name on an incident that recovered undetected. Anything else after a
        // recovery is an outage of its own, perhaps the same failure returning: never hidden in a note.
        if let recent, recent.detectedAt == nil,
            try Alert.filter(
                Alert.CodingKeys.incidentId == recent.id! && Alert.CodingKeys.name == notice.name
                    && Alert.CodingKeys.outcome == Alert.Outcome.late
            ).fetchCount(db) == 0
        {
            try append(
                .lateDetection, at: at,
                "detected late via \(method): \(firedText), after the recovery; nobody was told while it mattered",
                to: recent.id!, by: author, now: now, db)
            return (recent.id!, .late)
        }
        var opened = Incident(title: title, service: service, startedAt: at)
        opened.detectedAt = at
        opened.detection = method
        try IncidentRules.validate(opened, now: now)
        try opened.insert(db)
        let id = opened.id!
        try append(.opened, at: at, IncidentRules.openingText(of: opened), to: id, by: author, now: now, db)
        try append(
            .note, at: at,
            "opened by alert \(notice.name): the start is the alert's startsAt, not necessarily the failure's",
            to: id, by: author, now: now, db)
        if let recent, let recovered = recent.mitigatedAt ?? recent.resolvedAt {
            try append(
                .note, at: at,
                "this may be the failure of #\(recent.id!) returning: it recovered at \(recovered), "
                    + "\(DurationText.human(recovered.seconds(until: notice.startsAt))) before this alert started",
                to: id, by: author, now: now, db)
        }
        try append(.detected, at: at, "detected via \(method)", to: id, by: author, now: now, db)
        return (id, .opened)
    }
}
