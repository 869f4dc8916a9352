import Foundation
import GRDB

/// One release of a service reaching production (docs/contract.md, "Deploys"): which version, built from
/// which commit and when it was committed, when it was deployed, how, and how it ended. An incident names
/// the deploy that caused it (``Incident/causedBy``); the report's four keys are computed from both.
public struct Deploy: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var service: String
    /// The release, as the service reports it (`app_build_info{version}`, `GET /`).
    public var version: String
    /// The commit the release was built from.
    public var commitSha: String?
    /// When that commit was made: the start of the change's lead time.
    public var committedAt: Timestamp?
    /// When the release finished reaching production (or was given up on).
    public var deployedAt: Timestamp
    public var result: DeployResult
    /// How it was rolled out: `rolling`, `canary`, `manual`… (one lower-case word).
    public var strategy: String?
    /// Why it ended as it did: a canary's reason to roll back, an operator's remark.
    public var notes: String?
    /// The key of the outside record it was imported from (`gh-deployment:ID`); importing it again finds it.
    public var source: String?
    public var author: String
    public var recordedAt: Timestamp

    public static let databaseTableName = "deploy"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id, service, version
        case commitSha = "commit_sha"
        case committedAt = "committed_at"
        case deployedAt = "deployed_at"
        case result, strategy, notes, source, author
        case recordedAt = "recorded_at"
    }

    public init(
        service: String, version: String, commitSha: String? = nil, committedAt: Timestamp? = nil,
        deployedAt: Timestamp, result: DeployResult = .succeeded, strategy: String? = nil, notes: String? = nil,
        source: String? = nil, author: String, recordedAt: Timestamp
    ) {
        self.service = service
        self.version = version
        self.commitSha = commitSha
        self.committedAt = committedAt
        self.deployedAt = deployedAt
        self.result = result
        self.strategy = strategy
        self.notes = notes
        self.source = source
        self.author = author
        self.recordedAt = recordedAt
    }

    /// Writes every field, absent ones as explicit `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(service, forKey: .service)
        try container.encode(version, forKey: .version)
        try container.encode(commitSha, forKey: .commitSha)
        try container.encode(committedAt, forKey: .committedAt)
        try container.encode(deployedAt, forKey: .deployedAt)
        try container.encode(result, forKey: .result)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(notes, forKey: .notes)
        try container.encode(source, forKey: .source)
        try container.encode(author, forKey: .author)
        try container.encode(recordedAt, forKey: .recordedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Lead time for the change: deployed − committed, in seconds; nil without a commit time.
    public var leadTime: Double? { committedAt.flatMap { Timestamp.seconds(from: $0, to: deployedAt) } }

    /// How long before a deploy of the same service an incident may start for the deploy to be suggested as
    /// its cause (a note on the incident's timeline; the link is never set without a person).
    public static let suggestionWindow: Double = 2 * 3600

    /// The deploy with its texts checked: a service name, a version of at most 200 printable characters on
    /// one line, a commit of hexadecimal digits (7 to 64), a strategy word, notes, an author; a commit time
    /// no later than the deploy, and a deploy no more than 5 minutes after `now`.
    public func checked(now: Timestamp) throws -> Deploy {
        var deploy = self
        deploy.service = try Validate.service(service)
        deploy.version = try Validate.label(version, field: "version")
        if let commitSha {
            let hex = Set("0123456789abcdef")
            guard (7...64).contains(commitSha.count), commitSha.lowercased().allSatisfy(hex.contains) else {
                throw IncidentError.invalidInput(
                    "the commit '\(commitSha.prefix(80))' is not a commit id (7 to 64 hexadecimal digits, as git "
                        + "rev-parse HEAD prints it)")
            }
            deploy.commitSha = commitSha.lowercased()
        }
        deploy.strategy = try strategy.map { try Validate.word($0, field: "strategy") }
        deploy.notes = try notes.map { try Validate.text($0, field: "notes") }
        deploy.source = try source.map { try Validate.label($0, field: "source") }
        deploy.author = try Validate.author(author)
        try IncidentRules.requireNotFuture(deployedAt, "deployed", now: now)
        if let committedAt, committedAt > deployedAt {
            throw IncidentError.conflict(
                "the commit time \(committedAt) is after the deploy (\(deployedAt)); a release cannot ship a commit "
                    + "not made yet")
        }
        return deploy
    }
}

/// How a deploy ended.
public enum DeployResult: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    /// The release runs in production.
    case succeeded
    /// It never fully reached production (a replica never became ready, the rollout stopped).
    case failed
    /// It reached production, or part of it, and was taken back to the previous release.
    case rolledBack = "rolled-back"

    /// True for a deploy that counts as a change failure by its result alone.
    public var isFailure: Bool { self != .succeeded }
}

extension Deploy: RecordFields {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}

/// A deploy with the incidents recorded as caused by it, oldest first: `deploy show --json`.
public struct DeployDetail: Encodable, Sendable, Equatable {
    public var deploy: Deploy
    public var incidents: [IncidentReference]

    public init(deploy: Deploy, incidents: [IncidentReference]) {
        self.deploy = deploy
        self.incidents = incidents
    }

    /// An incident a deploy caused, as its deploy lists it.
    public struct IncidentReference: Encodable, Sendable, Equatable {
        public var id: Int64
        public var title: String
        public var status: IncidentStatus
        public var startedAt: Timestamp
        @Nullable public var ttrS: Double?

        enum CodingKeys: String, CodingKey {
            case id, title, status
            case startedAt = "started_at"
            case ttrS = "ttr_s"
        }
    }

    enum ExtraKeys: String, CodingKey {
        case leadTime = "lead_time_s"
        case incidents
    }

    public func encode(to encoder: any Encoder) throws {
        try deploy.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(deploy.leadTime, forKey: .leadTime)
        try container.encode(incidents, forKey: .incidents)
    }
}
