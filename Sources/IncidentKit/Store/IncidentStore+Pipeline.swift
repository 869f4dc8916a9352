extension IncidentStore {
    public func recordRuns(_ runs: [PipelineRun], by author: String, now: Timestamp = .now) async throws
        -> [PipelineRunOutcome]
    {
        let ordered = runs.sorted(by: PipelineRun.finishedFirst)
        return try await write { db in
            var pipelines: [Pipeline: PipelineStreak] = [:]
            return try ordered.map { run in
                let pipeline = Pipeline(service: run.service, branch: run.branch)
                var streak = try pipelines[pipeline] ?? Self.streak(of: pipeline, db)
                defer { pipelines[pipeline] = streak }
                do {
                    return try Self.record(run, in: &streak, by: author, now: now, db)
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

    /// The pipeline's open incident (not resolved, not cancelled) and the newest run recorded for it.
    private static func streak(of pipeline: Pipeline, _ db: any SQLSession) throws -> PipelineStreak {
        let open: Int64? = try db.value(
            """
            SELECT incident.id FROM pipeline_run JOIN incident ON incident.id = pipeline_run.incident_id
            WHERE pipeline_run.service = ? AND branch = ? AND resolved_at IS NULL AND NOT cancelled
            ORDER BY started_at DESC, incident.id DESC LIMIT 1
            """, pipeline.service, pipeline.branch)
        let newest: Timestamp? = try db.value(
            """
            SELECT max(at) FROM timeline_event WHERE kind = 'pipeline_run' AND incident_id IN (
                SELECT incident_id FROM pipeline_run WHERE service = ? AND branch = ?)
            """, pipeline.service, pipeline.branch)
        return PipelineStreak(open: open, newest: newest)
    }

    /// Records one run on its pipeline's streak (``PipelineStreak``); runs come oldest first.
    private static func record(
        _ run: PipelineRun, in streak: inout PipelineStreak, by author: String, now: Timestamp, _ db: any SQLSession
    ) throws -> PipelineRunOutcome {
        let known: Int64? = try db.value("SELECT incident_id FROM incident_source WHERE key = ?", run.source)
        func join(_ id: Int64) throws {
            try apply({ $0.addRun(run) }, to: id, by: author, now: now, db)
            try db.execute("INSERT INTO incident_source (key, incident_id) VALUES (?, ?)", run.source, id)
        }
        switch streak.next(run, recordedOn: known) {
        case .known(let id): return PipelineRunOutcome(run: run, effect: .known, incident: id)
        case .older: return PipelineRunOutcome(run: run, effect: .older)
        case .unrecorded: return PipelineRunOutcome(run: run, effect: .unrecorded)
        case .open:
            let detail = try run.streakIncident(by: author, now: now)
            try IncidentRules.check(record: detail, now: now)
            let id = try insert(detail, db)
            streak.opened(id)
            return PipelineRunOutcome(run: run, effect: .opened, incident: id)
        case .join(let id):
            try join(id)
            return PipelineRunOutcome(run: run, effect: .added, incident: id)
        case .resolve(let id):
            try join(id)
            return PipelineRunOutcome(run: run, effect: .resolved, incident: id)
        }
    }
}
