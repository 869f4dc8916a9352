extension ChaosExperiment: StoredRecord {}

extension IncidentStore: ChaosRepository {
    public func recordChaos(_ experiment: ChaosExperiment) async throws -> ChaosExperiment {
        var draft = experiment
        draft.id = nil
        draft.pool = try Validate.label(experiment.pool, field: "pool name")
        draft.service = try Validate.service(experiment.service)
        draft.name = try Validate.label(experiment.name, field: "experiment name")
        draft.reason = try experiment.reason.map { try Validate.text($0, field: "reason") }
        let checked = draft
        return try await write { db in
            if let incident = checked.incidentId, !(try db.exists(Incident.self, id: incident)) {
                throw IncidentError.unknownIncident(incident)
            }
            var inserted = checked
            try db.insert(&inserted)
            return inserted
        }
    }

    public func linkChaos(_ id: Int64, incident: Int64) async throws {
        try await write { db in
            guard try db.exists(Incident.self, id: incident) else { throw IncidentError.unknownIncident(incident) }
            try db.execute(
                "UPDATE chaos_experiment SET incident_id = ? WHERE id = ? AND outcome = 'running'", incident, id)
        }
    }

    public func endChaos(
        _ id: Int64, incident: Int64?, outcome: ChaosExperiment.Outcome, reason: String?, at: Timestamp
    ) async throws -> ChaosExperiment {
        precondition(outcome != .running, "an experiment ends completed, halted or skipped")
        let reason = try reason.map { try Validate.text($0, field: "reason") }
        return try await write { db in
            if let incident, !(try db.exists(Incident.self, id: incident)) {
                throw IncidentError.unknownIncident(incident)
            }
            guard var experiment = try db.record(ChaosExperiment.self, id: id) else {
                throw IncidentError.notFound("no chaos experiment #\(id); run `incident chaos status`")
            }
            guard experiment.outcome == .running else {
                throw IncidentError.conflict(
                    "chaos experiment #\(id) ended already (\(experiment.outcome.rawValue)); nothing to end")
            }
            experiment.outcome = outcome
            experiment.reason = reason
            experiment.incidentId = incident ?? experiment.incidentId
            experiment.endedAt = max(at, experiment.startedAt)
            try db.update(experiment)
            return experiment
        }
    }

    public func chaosExperiments(pool: String?, service: String?, since: Timestamp?) async throws
        -> [ChaosExperiment]
    {
        try await read { db in
            var scope = SQLConditions()
            scope.add("pool = ?", pool)
            scope.add("service = ?", service)
            scope.add("started_at >= ?", since)
            return try db.records(ChaosExperiment.self, where: scope.sql, scope.arguments, order: "started_at, id")
        }
    }
}
