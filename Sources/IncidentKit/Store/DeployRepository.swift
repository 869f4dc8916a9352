/// The deploys of a store (docs/contract.md, "Deploys"): a sibling of ``IncidentRepository``, as
/// ``DecisionRepository`` is; ``IncidentStore`` is all three. Each method is one transaction.
public protocol DeployRepository: Sendable {
    /// Records a deploy after checking it (``Deploy/checked(now:)``); a deploy whose ``Deploy/source`` is
    /// stored already is refused as a conflict.
    func recordDeploy(_ draft: Deploy, now: Timestamp) async throws -> DeployDetail

    /// Adds deploys read from an outside record (GitHub's deployments), each checked; one whose source is
    /// stored already is skipped, so importing the same record twice adds it once. All or nothing.
    func addDeploys(_ deploys: [Deploy], now: Timestamp) async throws -> AddSummary

    /// One deploy with the incidents it caused.
    func deploy(_ id: Int64) async throws -> DeployDetail

    /// The deploys matching `filter`, newest first.
    func deploys(_ filter: DeployFilter) async throws -> [Deploy]
}

/// Which deploys `deploy list` shows.
public struct DeployFilter: Sendable {
    /// Only deploys of services matching this glob (`*`, `?`, `[…]`).
    public var service: String?
    /// Only deploys at or after this time.
    public var since: Timestamp?
    /// Only deploys before this time.
    public var until: Timestamp?

    public init(service: String? = nil, since: Timestamp? = nil, until: Timestamp? = nil) {
        self.service = service
        self.since = since
        self.until = until
    }
}
