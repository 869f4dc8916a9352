import Foundation

extension PipelineRun {
    /// The variables GitHub Actions sets in every job that `incident ci record` needs.
    public static let gitHubVariables = [
        "GITHUB_WORKFLOW", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_REF_NAME", "GITHUB_SHA",
        "GITHUB_EVENT_NAME", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
    ]

    /// The run of the GitHub Actions job whose `environment` this is, ending now with `conclusion`: the
    /// workflow, run id and attempt, branch (a pull request's head branch, `GITHUB_HEAD_REF`, else
    /// `GITHUB_REF_NAME`), commit and URL as `gh run list` would show them. Its title is `title`, else the
    /// pull request's title or the head commit's first line from the event at `GITHUB_EVENT_PATH`, else the
    /// workflow's name. Missing variables are named together (exit 64).
    public init(
        gitHubActions environment: [String: String], conclusion: PipelineConclusion, createdAt: Timestamp,
        finishedAt: Timestamp, title: String?
    ) throws {
        let missing = Self.gitHubVariables.filter { environment[$0, default: ""].isEmpty }
        guard missing.isEmpty else {
            throw IncidentError.invalidInput(
                "\(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not set; `incident ci "
                    + "record` reads the run from the variables of a GitHub Actions job: run it as a step of one")
        }
        let variable = { (name: String) in environment[name, default: ""] }
        guard let id = Int64(variable("GITHUB_RUN_ID")), id >= 1 else {
            throw IncidentError.invalidInput("GITHUB_RUN_ID '\(variable("GITHUB_RUN_ID"))' is not a run id")
        }
        guard let attempt = Int(variable("GITHUB_RUN_ATTEMPT")), attempt >= 1 else {
            throw IncidentError.invalidInput(
                "GITHUB_RUN_ATTEMPT '\(variable("GITHUB_RUN_ATTEMPT"))' is not an attempt number")
        }
        let workflow = variable("GITHUB_WORKFLOW")
        let title =
            try title.map { try Validate.text($0, field: "title") }
            ?? environment["GITHUB_EVENT_PATH"].flatMap(Self.eventTitle) ?? workflow
        try self.init(
            id: id, attempt: attempt, workflow: workflow,
            branch: environment["GITHUB_HEAD_REF"].flatMap { $0.isEmpty ? nil : $0 } ?? variable("GITHUB_REF_NAME"),
            sha: variable("GITHUB_SHA"), event: variable("GITHUB_EVENT_NAME"), title: title, conclusion: conclusion,
            createdAt: createdAt, finishedAt: finishedAt,
            url: "\(variable("GITHUB_SERVER_URL"))/\(variable("GITHUB_REPOSITORY"))/actions/runs/\(id)")
    }

    /// The title gh shows for the run of the event in the file at `path`: the pull request's title, or the
    /// head commit's first line; nil when the file has neither.
    private static func eventTitle(path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
            let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        let pullRequest = (event["pull_request"] as? [String: Any])?["title"] as? String
        let commit = ((event["head_commit"] as? [String: Any])?["message"] as? String)?
            .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
        return (pullRequest ?? commit).flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
    }
}
