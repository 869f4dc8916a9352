/// One workflow's pipeline on one branch as runs are recorded (docs/contract.md, "Pipelines"): the
/// decision of ``IncidentRepository/recordRuns(_:by:now:)`` for each run, made without a database. A store
/// reads the streak's state once (``open``, ``newest``), asks ``next(_:recordedOn:)`` for every run in the
/// order the runs finished, and writes each step.
public struct PipelineStreak: Sendable, Equatable {
    /// What recording one run does.
    public enum Step: Sendable, Equatable {
        /// The run was recorded before, on this incident: nothing to do.
        case known(Int64)
        /// It finished before the newest run recorded for the pipeline: recording it would rewrite history.
        case older
        /// It failed with no streak open: open an incident for it, then report its id with ``opened(_:)``.
        case open
        /// It joins this open streak's incident: failing again, cancelled or skipped.
        case join(Int64)
        /// It succeeded and ends this streak: add it to the incident and resolve it.
        case resolve(Int64)
        /// It did not fail and no streak is open: nothing to record.
        case unrecorded
    }

    /// The incident of the streak still failing (not resolved, not cancelled), if any.
    public var open: Int64?
    /// When the newest run recorded for the pipeline finished.
    public var newest: Timestamp?

    public init(open: Int64?, newest: Timestamp?) {
        self.open = open
        self.newest = newest
    }

    /// What recording `run` does, given the incident it was recorded on before (by its
    /// ``PipelineRun/source``), if any; the state moves on as if the step were written.
    public mutating func next(_ run: PipelineRun, recordedOn known: Int64?) -> Step {
        if let known { return .known(known) }
        if let newest, run.finishedAt < newest { return .older }
        newest = run.finishedAt
        switch (run.conclusion.effect, open) {
        case (.fails, nil): return .open
        case (.passes, let streak?):
            open = nil
            return .resolve(streak)
        case (_, let streak?): return .join(streak)
        case (.passes, nil), (.neither, nil): return .unrecorded
        }
    }

    /// Records that the ``Step/open`` step opened incident `id`.
    public mutating func opened(_ id: Int64) {
        open = id
    }
}
