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
            let match = "fingerprint = ? AND starts_at = ? AND status = ?"
            let known = try db.records(Alert.self, where: match, [notice.fingerprint, notice.startsAt, notice.status])
            if var known = known.first {
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
                let firing = try db.records(
                    Alert.self, where: match, [notice.fingerprint, notice.startsAt, Alert.Status.firing]
                ).first
                if let id = firing?.incidentId, try db.exists(Incident.self, id: id) {
                    try Self.append(
                        .note, at: min(notice.endsAt ?? now, now),
                        "alert \(notice.name) resolved (it started at \(notice.startsAt)); a resolved alert is not a recovery",
                        to: id, by: author, now: now, db)
                    (alert.incidentId, alert.outcome) = (id, .noted)
                }
            }
            try db.insert(&alert)
            return alert
        }
    }

    /// Routes a firing alert (``AlertRouting``) and records what the route says.
    private static func route(
        firing notice: AlertNotice, at: Timestamp, method: String, service: String, title: String, lateWindow: Double,
        by author: String, now: Timestamp, _ db: any SQLSession
    ) throws -> (Int64, Alert.Outcome) {
        let routing = AlertRouting(name: notice.name, startsAt: notice.startsAt, lateWindow: lateWindow)
        let candidate = """
            service = ? AND NOT cancelled AND started_at <= ?
              AND (coalesce(mitigated_at, resolved_at) IS NULL OR coalesce(mitigated_at, resolved_at) >= ?)
            """
        let arguments: [(any DatabaseValueConvertible)?] = [service, notice.startsAt, routing.recoveredSince]
        let candidates = try db.records(Incident.self, where: candidate, arguments)
        // The candidates by their condition, not a list of ids: the statement is the same for every alert, and
        // a server's statement cache does not grow with each one.
        let lateAlerts: Set<Int64> = try Set(
            db.values(
                "SELECT incident_id FROM alert WHERE name = ? AND outcome = 'late' "
                    + "AND incident_id IN (SELECT id FROM incident WHERE \(candidate))", [notice.name] + arguments))
        let firedText = "alert \(notice.name) fired at \(notice.startsAt)"
        switch routing.route(among: candidates, lateAlerts: lateAlerts) {
        case .detect(let id):
            try apply({ try $0.detect(at: at, via: method) }, to: id, by: author, now: now, db)
            return (id, .detected)
        case .note(let id):
            try append(
                .note, at: at, "\(firedText); the incident was detected already", to: id, by: author, now: now, db)
            return (id, .noted)
        case .late(let id):
            try append(
                .lateDetection, at: at,
                "detected late via \(method): \(firedText), after the recovery; nobody was told while it mattered",
                to: id, by: author, now: now, db)
            return (id, .late)
        case .open(let returning):
            var opened = Incident(title: title, service: service, startedAt: at)
            opened.detectedAt = at
            opened.detection = method
            try IncidentRules.validate(opened, now: now)
            try insertOpened(&opened, by: author, now: now, db)
            let id = opened.id!
            try append(
                .note, at: at,
                "opened by alert \(notice.name): the start is the alert's startsAt, not necessarily the failure's",
                to: id, by: author, now: now, db)
            if let returning, let recovered = AlertRouting.recovery(of: returning) {
                try append(
                    .note, at: at,
                    "this may be the failure of #\(returning.id!) returning: it recovered at \(recovered), "
                        + "\(DurationText.human(recovered.seconds(until: notice.startsAt))) before this alert started",
                    to: id, by: author, now: now, db)
            }
            try append(.detected, at: at, "detected via \(method)", to: id, by: author, now: now, db)
            return (id, .opened)
        }
    }
}
