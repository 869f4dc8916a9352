import Foundation

/// A hand-made export of `gh run list --json databaseId,workflowName,headBranch,headSha,event,status,conclusion,
/// createdAt,updatedAt,url,displayTitle,attempt`, every time in minutes after `start`.
public struct RunList {
    public let start: Date
    public var runs: [[String: Any]] = []

    public init(start: Date) {
        self.start = start
    }

    /// The RFC 3339 time `minutes` after `start`.
    public func time(_ minutes: Double) -> String {
        start.addingTimeInterval(minutes * 60).formatted(.iso8601)
    }

    /// Adds a run of `workflow` on `branch` created at `created` and finished at `finished` minutes.
    public mutating func add(
        _ id: Int64, _ conclusion: String, created: Double, finished: Double, workflow: String = "CI",
        branch: String = "main", attempt: Int = 1, status: String = "completed", title: String = "Some change"
    ) {
        runs.append([
            "databaseId": id, "workflowName": workflow, "headBranch": branch, "headSha": "a1b2c3d4e5f6",
            "event": "push", "status": status, "conclusion": conclusion, "createdAt": time(created),
            "updatedAt": time(finished), "url": "https://github.com/acme/shop/actions/runs/\(id)",
            "displayTitle": title, "attempt": attempt,
        ])
    }

    /// The export as gh prints it: a JSON array, newest first as given.
    public var data: Data {
        // The values above are all JSON types.
        try! JSONSerialization.data(withJSONObject: runs, options: [.sortedKeys])
    }
}
