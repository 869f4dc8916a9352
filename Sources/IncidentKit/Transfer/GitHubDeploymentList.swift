import Foundation

/// The deployments of a GitHub repository, as `gh api repos/OWNER/REPO/deployments` prints them, each with
/// a `statuses` array added: what `gh api repos/OWNER/REPO/deployments/ID/statuses` prints for it
/// (docs/contract.md, "Deploys", has the commands). A deployment may also carry `committed_at`, its commit's
/// time (`gh api repos/OWNER/REPO/commits/SHA --jq .commit.committer.date`), for its lead time.
///
/// Only production deployments are read (`production_environment` true, or the environment `production`).
/// A deployment's end is its newest `success`, `failure` or `error` status: `success` is a deploy that
/// succeeded, the others one that failed; one with none yet is unfinished and left out. Every field read is
/// checked and a file with any bad deployment is refused whole, each problem named with the deployment's
/// index and id.
public struct GitHubDeploymentList {
    /// The fields read from each deployment, all required (`committed_at` is optional).
    public static let fields = ["id", "sha", "ref", "environment", "created_at", "statuses"]

    /// The fields read from each status, all required.
    public static let statusFields = ["state", "created_at"]

    /// The finished production deploys, oldest first, with their source keys (`gh-deployment:ID`).
    public private(set) var deploys: [Deploy] = []
    /// How many production deployments have no final status yet.
    public private(set) var unfinished = 0
    /// How many deployments were to other environments.
    public private(set) var otherEnvironments = 0

    /// Reads the file's `data` as deploys of `service`, recorded by `author` at `now`; `file` names it in
    /// messages.
    public init(data: Data, file: String, service: String, author: String, now: Timestamp) throws {
        let shape = "a JSON array of deployments, each with its statuses (docs/contract.md, \"Deploys\")"
        guard let entries = try? JSONDecoder().decode([Entry].self, from: data) else {
            throw IncidentError.malformed("\(file) is not \(shape)")
        }
        var problems: [String] = []
        var seen: [Int64: Deploy] = [:]
        for (index, entry) in entries.enumerated() {
            do {
                switch try entry.deployment.get() {
                case .otherEnvironment: otherEnvironments += 1
                case .unfinished: unfinished += 1
                case .finished(let found):
                    let deploy = try Deploy(
                        service: service, version: found.ref, commitSha: found.sha, committedAt: found.committedAt,
                        deployedAt: found.endedAt, result: found.succeeded ? .succeeded : .failed,
                        notes: found.description, source: "gh-deployment:\(found.id)", author: author,
                        recordedAt: now
                    ).checked(now: now)
                    if let earlier = seen[found.id] {
                        guard earlier == deploy else {
                            throw IncidentError.malformed("appears twice in the file with different contents")
                        }
                        continue
                    }
                    seen[found.id] = deploy
                    deploys.append(deploy)
                }
            } catch let error as IncidentError {
                problems.append("deployment \(index)\(entry.id.map { " (id \($0))" } ?? ""): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw IncidentError.malformed(
                "\(file) has \(problems.count) bad deployment(s); nothing was imported. It should be \(shape):"
                    + ProblemList.text(problems))
        }
        deploys.sort { ($0.deployedAt, $0.source ?? "") < ($1.deployedAt, $1.source ?? "") }
    }

    /// What one element of the array holds.
    private enum Deployment {
        case otherEnvironment, unfinished
        case finished(
            (
                id: Int64, sha: String, ref: String, committedAt: Timestamp?, endedAt: Timestamp, succeeded: Bool,
                description: String?
            ))
    }

    /// One element of the array, read field by field so that every problem can be named.
    private struct Entry: Decodable {
        let id: Int64?
        let deployment: Result<Deployment, any Error>

        init(from decoder: any Decoder) throws {
            let fields = try? JSONFields(decoder)
            id = try? fields?.value("id", "a whole number")
            deployment = Result {
                guard let fields else { throw IncidentError.malformed("is not a JSON object") }
                return try Self.deployment(fields)
            }
        }

        private static func deployment(_ fields: JSONFields) throws -> Deployment {
            try fields.require(GitHubDeploymentList.fields)
            let id: Int64 = try fields.value("id", "a whole number")
            guard id >= 1 else { throw IncidentError.malformed("id starts at 1") }
            let (sha, ref) = (try fields.text("sha"), try fields.text("ref"))
            let created = try fields.time("created_at")
            let production: Bool? =
                fields.has("production_environment")
                ? try fields.value("production_environment", "true or false") : nil
            let environment = try fields.text("environment")
            guard production ?? (environment.lowercased() == "production") else {
                return .otherEnvironment
            }
            // Optional: absent or null when the commit's time could not be looked up.
            let committedAt =
                fields.has("committed_at")
                    && (try? fields.container.decodeNil(forKey: AnyKey(stringValue: "committed_at"))) != true
                ? try fields.time("committed_at") : nil
            let description: String? =
                fields.has("description") ? try? fields.value("description", "a string") : nil
            let statuses: [Status] = try fields.value("statuses", "an array of statuses")
            var ends: [(at: Timestamp, succeeded: Bool)] = []
            for (index, status) in statuses.enumerated() {
                do {
                    let (at, state) = try status.read.get()
                    guard at >= created else {
                        throw IncidentError.malformed("created_at \(at) is before the deployment's (\(created))")
                    }
                    switch state {
                    case "success": ends.append((at, true))
                    case "failure", "error": ends.append((at, false))
                    case "inactive", "in_progress", "queued", "pending": break
                    default: throw IncidentError.malformed("its state '\(state)' is not one GitHub sets")
                    }
                } catch let error as IncidentError {
                    throw IncidentError.malformed("status \(index): \(error)")
                }
            }
            guard let end = ends.max(by: { $0.at < $1.at }) else { return .unfinished }
            return .finished(
                (
                    id, sha, ref, committedAt, end.at, end.succeeded,
                    description.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
                ))
        }
    }

    /// One status: when it was set and its state, or what is wrong with it.
    private struct Status: Decodable {
        let read: Result<(at: Timestamp, state: String), any Error>

        init(from decoder: any Decoder) throws {
            read = Result {
                let fields = try JSONFields(decoder)
                try fields.require(GitHubDeploymentList.statusFields)
                return (try fields.time("created_at"), try fields.text("state"))
            }
        }
    }
}
