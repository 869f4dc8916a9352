/// One finished attempt of a CI workflow run (GitHub Actions), as `incident import --format gh-runs` and
/// `incident ci record` see it (docs/contract.md, "Pipelines"). Each unbroken streak of failing runs of one
/// workflow on one branch is one incident of the service `ci/WORKFLOW`; the next successful run ends it.
public struct PipelineRun: Sendable, Equatable {
    /// The run's id (gh's `databaseId`); its re-runs keep it, with a higher ``attempt``.
    public var id: Int64
    public var attempt: Int
    /// The workflow's name, as written in its file (`CI`, `Build and test`).
    public var workflow: String
    /// The branch the run is for (for a pull request, its head branch).
    public var branch: String
    public var sha: String
    /// What triggered the run: `push`, `pull_request`, `schedule`…
    public var event: String
    /// The run's title: the head commit's first line, or the pull request's title.
    public var title: String
    public var conclusion: PipelineConclusion
    /// When the run was created (for a re-run, when its first attempt was).
    public var createdAt: Timestamp
    /// When the run reported its conclusion.
    public var finishedAt: Timestamp
    public var url: String
    /// ``workflow`` as a service name: `ci/` and the workflow's name as one lower-case word.
    public let service: String

    /// A run; a workflow name without a letter or digit, or a run that finished before it was created, is
    /// refused.
    public init(
        id: Int64, attempt: Int, workflow: String, branch: String, sha: String, event: String, title: String,
        conclusion: PipelineConclusion, createdAt: Timestamp, finishedAt: Timestamp, url: String
    ) throws {
        guard finishedAt >= createdAt else {
            throw IncidentError.malformed("it finished (\(finishedAt)) before it was created (\(createdAt))")
        }
        self.id = id
        self.attempt = attempt
        self.workflow = workflow
        self.branch = branch
        self.sha = sha
        self.event = event
        self.title = title
        self.conclusion = conclusion
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.url = url
        service = try Self.service(ofWorkflow: workflow)
    }

    /// The service of a workflow's pipeline: `ci/` and its name in lower case, each run of characters other
    /// than letters, digits, '.', '_' and '-' made one '-' (`Build and test` is `ci/build-and-test`).
    public static func service(ofWorkflow name: String) throws -> String {
        var word = ""
        for character in name.lowercased() {
            if Validate.wordCharacters.contains(character) {
                word.append(character)
            } else if !word.isEmpty && word.last != "-" {
                word.append("-")
            }
        }
        word = String(word.drop { !$0.isLetter && !$0.isNumber }.prefix(100))
        while let last = word.last, last == "-" { word.removeLast() }
        guard !word.isEmpty else {
            throw IncidentError.malformed(
                "the workflow name '\(name)' has no letter or digit (a-z, 0-9) to name its service ci/… by")
        }
        return try Validate.service(Validate.pipelinePrefix + word)
    }

    /// The key that makes recording the same run attempt twice find the first: `gh-run:ID#ATTEMPT@BRANCH`.
    /// The branch in it tells which pipeline (service and branch) an incident's runs belong to.
    public var source: String { "gh-run:\(id)#\(attempt)@\(branch)" }

    /// True when the run's title carries the game-day marker `[gameday]`: the failure was caused on purpose.
    public var isGameDay: Bool { title.lowercased().contains("[gameday]") }

    /// Oldest first by the time runs reported their conclusion, which is the order the pipeline's state
    /// changed in; ties by creation, id and attempt.
    public static func finishedFirst(_ left: PipelineRun, _ right: PipelineRun) -> Bool {
        (left.finishedAt, left.createdAt, left.id, left.attempt)
            < (right.finishedAt, right.createdAt, right.id, right.attempt)
    }

    /// The cause a resolved pipeline incident keeps until a person records the real one.
    public var provisionalCause: String { "pipeline \(workflow) failed on \(branch) (cause not yet recorded)" }

    /// The cause category of resolved pipeline incidents.
    public static let causeCategory = "pipeline"

    /// The run on a timeline: id, attempt, conclusion, event, commit and URL.
    var timelineText: String {
        "run \(id) attempt \(attempt): \(conclusion.rawValue) (\(event) of \(sha.prefix(7)) on \(branch)) \(url)"
    }

    /// The incident a failing run opens when no streak is open on its workflow and branch: started when the
    /// run was created, detected via pipeline when it failed, the run on its timeline; injected when the
    /// run carries the game-day marker.
    func streakIncident(by author: String, now: Timestamp) throws -> IncidentDetail {
        var incident = Incident(
            title: "\(workflow) failed on \(branch): \(title)", service: service,
            kind: isGameDay ? .injected : .real,
            fault: isGameDay ? try IncidentFault.other("pipeline game day: \(title)") : nil, startedAt: createdAt)
        incident.detectedAt = finishedAt
        incident.detection = Detection.pipeline
        let timeline: [(Timestamp, TimelineEventKind, String)] = [
            (createdAt, .opened, IncidentRules.openingText(of: incident)),
            (finishedAt, .detected, "detected via \(Detection.pipeline)"),
            (finishedAt, .pipelineRun, timelineText),
        ]
        return IncidentDetail(
            incident: incident,
            timeline: timeline.map {
                TimelineEvent(incidentId: 0, at: $0.0, kind: $0.1, text: $0.2, author: author, recordedAt: now)
            },
            actions: [], sources: [source])
    }
}

/// How a CI run ended: gh's `conclusion` of a completed run.
public enum PipelineConclusion: String, CaseIterable, Sendable {
    case success, failure, cancelled, skipped, neutral, stale
    case timedOut = "timed_out"
    case startupFailure = "startup_failure"
    case actionRequired = "action_required"

    /// What a run that ended so does to its pipeline's streak of failures.
    public enum Effect: Sendable {
        /// It fails: it starts a streak, or continues the open one.
        case fails
        /// It passes: it ends the open streak.
        case passes
        /// Neither (cancelled, skipped, waiting for approval): it joins an open streak's timeline only.
        case neither
    }

    public var effect: Effect {
        switch self {
        case .failure, .timedOut, .startupFailure: .fails
        case .success: .passes
        case .cancelled, .skipped, .neutral, .stale, .actionRequired: .neither
        }
    }
}

extension IncidentUpdate {
    /// Adds `run` to the timeline of the pipeline incident being updated. A passing run ends the streak: the
    /// incident is mitigated (unless a person did already) and resolved when the run finished, with the
    /// provisional cause and category unless a person recorded them.
    mutating func addRun(_ run: PipelineRun) {
        record(.pipelineRun, at: run.finishedAt, run.timelineText)
        guard run.conclusion.effect == .passes else { return }
        if incident.mitigatedAt == nil {
            incident.mitigatedAt = run.finishedAt
            record(.mitigated, at: run.finishedAt, "mitigated: the pipeline is green again")
        }
        let cause = incident.cause ?? run.provisionalCause
        let category = incident.causeCategory ?? PipelineRun.causeCategory
        incident.resolvedAt = run.finishedAt
        incident.cause = cause
        incident.causeCategory = category
        record(.resolved, at: run.finishedAt, "resolved; cause: \(cause) [\(category)]")
    }
}
