import GRDB

extension IncidentStore {
    public func recordRuns(_ runs: [PipelineRun], by author: String, now: Timestamp = .now) async throws
        -> [PipelineRunOutcome]
    {
        let ordered = runs.sorted(by: PipelineRun.finishedFirst)
        return try await write { db in
            var pipelines: [Pipeline: PipelineState] = [:]
            return try ordered.map { run in
                let pipeline = Pipeline(service: run.service, branch: run.branch)
                var state = try pipelines[pipeline] ?? Self.state(of: pipeline, db)
                defer { pipelines[pipeline] = state }
                do {
                    return try Self.record(run, in: &state, by: author, now: now, db)
                } catch let error as IncidentError {
                    throw IncidentError.conflict(
                        "run \(run.id) attempt \(run.attempt) of \(run.workflow) on \(run.branch) cannot be "
                            + "recorded: \(error)")
                }
            }
        }
    }

    /// A workflow's pipeline on one branch: the runs whose failures make one streak.
    private struct Pipeline: Hashable {
        var service: String
        var branch: String
    }

    /// What the store holds of a pipeline while runs are recorded.
    private struct PipelineState {
        /// The incident of the streak still failing, if any.
        var open: Int64?
        /// When the newest run recorded for the pipeline finished.
        var newest: Timestamp?
    }

    /// The pipeline's open incident (not resolved, not cancelled) and the newest run recorded for it.
    private static func state(of pipeline: Pipeline, _ db: Database) throws -> PipelineState {
        let arguments: StatementArguments = [pipeline.service, pipeline.branch]
        let open = try Int64.fetchOne(
            db,
            sql: """
                SELECT incident.id FROM pipeline_run JOIN incident ON incident.id = pipeline_run.incident_id
                WHERE pipeline_run.service = ? AND branch = ? AND resolved_at IS NULL AND NOT cancelled
                ORDER BY started_at DESC, incident.id DESC LIMIT 1
                """, arguments: arguments)
        let newest = try Timestamp.fetchOne(
            db,
            sql: """
                SELECT max(at) FROM timeline_event WHERE kind = 'pipeline_run' AND incident_id IN (
                    SELECT incident_id FROM pipeline_run WHERE service = ? AND branch = ?)
                """, arguments: arguments)
        return PipelineState(open: open, newest: newest)
    }

    /// Records one run on its pipeline's streak; runs come oldest first.
    private static func record(
        _ run: PipelineRun, in state: inout PipelineState, by author: String, now: Timestamp, _ db: Database
    ) throws -> PipelineRunOutcome {
        if let known = try Int64.fetchOne(
            db, sql: "SELECT incident_id FROM incident_source WHERE key = ?", arguments: [run.source])
        {
            return PipelineRunOutcome(run: run, effect: .known, incident: known)
        }
        if let newest = state.newest, run.finishedAt < newest {
            return PipelineRunOutcome(run: run, effect: .older)
        }
        state.newest = run.finishedAt
        switch (run.conclusion.effect, state.open) {
        case (.fails, nil):
            let detail = try run.streakIncident(by: author, now: now)
            try IncidentRules.check(record: detail, now: now)
            let id = try insert(detail, db)
            state.open = id
            return PipelineRunOutcome(run: run, effect: .opened, incident: id)
        case (_, let open?):
            try apply({ $0.addRun(run) }, to: open, by: author, now: now, db)
            try db.execute(
                sql: "INSERT INTO incident_source (key, incident_id) VALUES (?, ?)", arguments: [run.source, open])
            guard run.conclusion.effect == .passes else {
                return PipelineRunOutcome(run: run, effect: .added, incident: open)
            }
            state.open = nil
            return PipelineRunOutcome(run: run, effect: .resolved, incident: open)
        case (.passes, nil), (.neither, nil):
            return PipelineRunOutcome(run: run, effect: .unrecorded)
        }
    }
}
