import Foundation

/// The runs of a `gh run list` export: the JSON array that
/// `gh run list --json databaseId,workflowName,headBranch,headSha,event,status,conclusion,createdAt,updatedAt,url,displayTitle,attempt`
/// prints (`--limit` and `--branch` as wanted).
///
/// Every field is required and checked; a file with any bad run is refused whole, each problem named with
/// the run's index in the array and its id. Runs not `completed` yet are counted and left out. The same run
/// attempt given twice (overlapping exports joined) is kept once, unless the two disagree.
public struct GitHubRunList {
    /// The gh command whose output this reads.
    public static let command =
        "gh run list --json " + fields.joined(separator: ",")

    /// The fields read from each run, all required.
    public static let fields = [
        "databaseId", "workflowName", "headBranch", "headSha", "event", "status", "conclusion", "createdAt",
        "updatedAt", "url", "displayTitle", "attempt",
    ]

    /// The finished runs, oldest first (by when they finished).
    public private(set) var runs: [PipelineRun] = []
    /// How many runs were still queued or in progress.
    public private(set) var unfinished = 0

    /// Reads the export in `data`; `file` names it in messages. Times more than five minutes after `now`
    /// are refused.
    public init(data: Data, file: String, now: Timestamp) throws {
        guard let entries = try? JSONDecoder().decode([Entry].self, from: data) else {
            throw IncidentError.malformed(
                "\(file) is not a JSON array of runs; give the output of `\(Self.command)`")
        }
        var problems: [String] = []
        var seen: [String: PipelineRun] = [:]
        for (index, entry) in entries.enumerated() {
            do {
                guard let run = try entry.run.get() else {
                    unfinished += 1
                    continue
                }
                try IncidentRules.requireNotFuture(run.finishedAt, "updatedAt", now: now)
                if let earlier = seen[run.source] {
                    guard earlier == run else {
                        throw IncidentError.malformed(
                            "attempt \(run.attempt) appears twice in the file with different contents")
                    }
                    continue
                }
                seen[run.source] = run
                runs.append(run)
            } catch let error as IncidentError {
                problems.append("run \(index)\(entry.id.map { " (id \($0))" } ?? ""): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw IncidentError.malformed(
                "\(file) has \(problems.count) bad run(s); nothing was imported. It should be the output of "
                    + "`\(Self.command)`:\(ProblemList.text(problems))")
        }
        runs.sort(by: PipelineRun.finishedFirst)
    }

    /// One element of the array, read field by field so that every problem can be named.
    private struct Entry: Decodable {
        /// The run's id when it can be read, to name the run in messages.
        let id: Int64?
        /// The finished run, nil for one not finished yet, or what is wrong with it.
        let run: Result<PipelineRun?, any Error>

        init(from decoder: any Decoder) throws {
            let fields = try? JSONFields(decoder)
            id = try? fields?.value("databaseId", "a whole number")
            run = Result { try Self.run(fields) }
        }

        private static func run(_ fields: JSONFields?) throws -> PipelineRun? {
            guard let fields else { throw IncidentError.malformed("is not a JSON object") }
            try fields.require(GitHubRunList.fields)
            let id: Int64 = try fields.value("databaseId", "a whole number")
            let attempt: Int = try fields.value("attempt", "a whole number")
            guard id >= 1, attempt >= 1 else { throw IncidentError.malformed("databaseId and attempt start at 1") }
            let (workflow, branch, url) = (
                try fields.text("workflowName"), try fields.text("headBranch"), try fields.text("url")
            )
            let (sha, event, title) = (
                try fields.text("headSha"), try fields.text("event"), try fields.text("displayTitle", empty: true)
            )
            let (createdAt, finishedAt) = (try fields.time("createdAt"), try fields.time("updatedAt"))
            let conclusion = try fields.text("conclusion", empty: true)
            guard try fields.text("status") == "completed" else { return nil }
            guard let ended = PipelineConclusion(rawValue: conclusion) else {
                throw IncidentError.malformed(
                    "its conclusion '\(conclusion)' is none of "
                        + PipelineConclusion.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return try PipelineRun(
                id: id, attempt: attempt, workflow: workflow, branch: branch, sha: sha, event: event, title: title,
                conclusion: ended, createdAt: createdAt, finishedAt: finishedAt, url: url)
        }
    }
}
