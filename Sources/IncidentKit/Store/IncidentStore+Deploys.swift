import Foundation

extension IncidentStore: DeployRepository {
    public func recordDeploy(_ draft: Deploy, now: Timestamp = .now) async throws -> DeployDetail {
        let checked = try draft.checked(now: now)
        return try await write { db in
            var deploy = checked
            try Self.insert(&deploy, db)
            try Self.suggestCause(deploy, now: now, db)
            return try Self.deploy(db, deploy.id!)
        }
    }

    public func addDeploys(_ deploys: [Deploy], now: Timestamp = .now) async throws -> AddSummary {
        let checked = try deploys.map { try $0.checked(now: now) }
        return try await write { db in
            var summary = AddSummary()
            for var deploy in checked {
                deploy.id = nil
                if let known = try Self.deploy(from: deploy.source, db) {
                    summary.known.append(known)
                } else {
                    try Self.insert(&deploy, db)
                    summary.added.append(deploy.id!)
                }
            }
            return summary
        }
    }

    public func deploy(_ id: Int64) async throws -> DeployDetail {
        try await read { try Self.deploy($0, id) }
    }

    public func deploys(_ filter: DeployFilter) async throws -> [Deploy] {
        try await read { db in
            var scope = SQLConditions()
            scope.add(service: filter.service, db)
            scope.add("deployed_at >= ?", filter.since)
            scope.add("deployed_at < ?", filter.until)
            return try db.records(Deploy.self, where: scope.sql, scope.arguments, order: "deployed_at DESC, id DESC")
        }
    }

    /// The id of the deploy stored from the outside record `source`, if any.
    private static func deploy(from source: String?, _ db: any SQLSession) throws -> Int64? {
        guard let source else { return nil }
        return try db.value("SELECT id FROM deploy WHERE source = ?", source)
    }

    /// Inserts a checked deploy, keeping its id when it has one; a taken id or source is a conflict.
    static func insert(_ deploy: inout Deploy, _ db: any SQLSession) throws {
        // Looked up first: PostgreSQL ends the transaction on a duplicate key, which a command could not report.
        if let known = try Self.deploy(from: deploy.source, db) {
            throw IncidentError.conflict(
                "a deploy from \(deploy.source!) is recorded already, as #\(known); run `incident deploy show \(known)`"
            )
        }
        do {
            try db.insert(&deploy)
        } catch  where db.isDuplicateKey(error) {
            throw IncidentError.conflict(
                deploy.id.map { "deploy #\($0) exists already in the database" }
                    ?? "a deploy from \(deploy.source ?? "?") is recorded already; run `incident deploy list`")
        }
    }

    static func deploy(_ db: any SQLSession, _ id: Int64) throws -> DeployDetail {
        guard let deploy = try db.record(Deploy.self, id: id) else { throw unknownDeploy(id) }
        let incidents = try db.records(
            Incident.self, where: "caused_by = ?", [id], order: "started_at, id"
        ).map { incident in
            DeployDetail.IncidentReference(
                id: incident.id!, title: incident.title, status: incident.status, startedAt: incident.startedAt,
                ttrS: incident.durations.ttr)
        }
        return DeployDetail(deploy: deploy, incidents: incidents)
    }

    static func unknownDeploy(_ id: Int64) -> IncidentError {
        .notFound("no deploy #\(id); run `incident deploy list` to see the ids that exist")
    }

    /// Refuses a link to a deploy that is not stored.
    static func requireDeploy(_ id: Int64, _ db: any SQLSession) throws {
        guard try db.exists(Deploy.self, id: id) else { throw unknownDeploy(id) }
    }

    /// How long after an incident's start a deploy of its service may finish and still be suggested as its
    /// cause: a rollout that hurt users before it finished.
    static let suggestionLag: Double = 15 * 60

    /// Notes on a new real incident the deploy of its service that finished closest before its start, within
    /// ``Deploy/suggestionWindow`` (or up to ``suggestionLag`` after it), with the command that records the
    /// link. The link itself is left to a person: a deploy near an incident is a suspect, not a cause.
    static func suggestCause(of incident: Incident, by author: String, now: Timestamp, _ db: any SQLSession) throws {
        guard incident.kind == .real, incident.causedBy == nil, let id = incident.id else { return }
        let before = try db.records(
            Deploy.self, where: "service = ? AND deployed_at >= ? AND deployed_at <= ?",
            [incident.service, incident.startedAt.adding(seconds: -Deploy.suggestionWindow), incident.startedAt],
            order: "deployed_at DESC, id DESC", limit: 1)
        let during = try db.records(
            Deploy.self, where: "service = ? AND deployed_at > ? AND deployed_at <= ?",
            [incident.service, incident.startedAt, incident.startedAt.adding(seconds: suggestionLag)],
            order: "deployed_at, id", limit: 1)
        guard let deploy = before.first ?? during.first else { return }
        try append(.note, at: incident.startedAt, suggestion(deploy, incident), to: id, by: author, now: now, db)
    }

    /// Notes a deploy just recorded on the real incidents of its service, opened before it was recorded, that it
    /// may have caused: those that started within ``suggestionLag`` before it finished or
    /// ``Deploy/suggestionWindow`` after (a pipeline records a deploy when its rollout ends, and an alert may
    /// open the incident first), and that name no suspect yet: one suggestion an incident, not one per deploy.
    static func suggestCause(_ deploy: Deploy, now: Timestamp, _ db: any SQLSession) throws {
        let suspects = try db.records(
            Incident.self,
            where: "service = ? AND kind = 'real' AND caused_by IS NULL AND NOT cancelled AND started_at >= ? "
                + "AND started_at <= ? AND NOT EXISTS (SELECT 1 FROM timeline_event WHERE incident_id = incident.id "
                + "AND kind = 'note' AND text LIKE 'deploy #%--caused-by %')",
            [
                deploy.service, deploy.deployedAt.adding(seconds: -suggestionLag),
                deploy.deployedAt.adding(seconds: Deploy.suggestionWindow),
            ], order: "started_at, id")
        for incident in suspects {
            try append(
                .note, at: max(now, incident.startedAt), suggestion(deploy, incident), to: incident.id!,
                by: deploy.author, now: now, db)
        }
    }

    /// The note naming `deploy` as a suspect of `incident`, with the command that records the link.
    private static func suggestion(_ deploy: Deploy, _ incident: Incident) -> String {
        let gap = deploy.deployedAt.seconds(until: incident.startedAt)
        let when =
            gap >= 0
            ? "\(DurationText.human(gap)) before this incident started" : "\(DurationText.human(-gap)) after it"
        return "deploy #\(deploy.id!) of \(deploy.service) (\(deploy.version), \(deploy.result.rawValue)) finished "
            + "\(when); if it caused this incident: incident edit \(incident.id!) --caused-by \(deploy.id!)"
    }
}
