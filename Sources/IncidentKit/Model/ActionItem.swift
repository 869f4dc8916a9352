import GRDB

/// A change that an incident led to, so that it does not happen again or is caught sooner.
public struct ActionItem: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var incidentId: Int64
    public var title: String
    public var kind: ActionKind
    public var owner: String?
    /// A calendar day, `YYYY-MM-DD`.
    public var due: String?
    public var url: String?
    public var status: ActionStatus
    public var createdAt: Timestamp
    public var closedAt: Timestamp?
    public var closeReason: String?

    public static let databaseTableName = "action_item"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id
        case incidentId = "incident_id"
        case title, kind, owner, due, url, status
        case createdAt = "created_at"
        case closedAt = "closed_at"
        case closeReason = "close_reason"
    }

    public init(
        incidentId: Int64, title: String, kind: ActionKind = .prevent, owner: String? = nil,
        due: String? = nil, url: String? = nil, createdAt: Timestamp
    ) {
        self.incidentId = incidentId
        self.title = title
        self.kind = kind
        self.owner = owner
        self.due = due
        self.url = url
        status = .open
        self.createdAt = createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(incidentId, forKey: .incidentId)
        try container.encode(title, forKey: .title)
        try container.encode(kind, forKey: .kind)
        try container.encode(owner, forKey: .owner)
        try container.encode(due, forKey: .due)
        try container.encode(url, forKey: .url)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(closeReason, forKey: .closeReason)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ActionItem {
    /// Reads a stored row, each column once (see ``Incident/init(row:)``).
    public init(row: Row) throws {
        var columns = RowReader(row)
        id = try columns.value(CodingKeys.id)
        incidentId = try columns.value(CodingKeys.incidentId)
        title = try columns.value(CodingKeys.title)
        kind = try columns.value(CodingKeys.kind)
        owner = try columns.value(CodingKeys.owner)
        due = try columns.value(CodingKeys.due)
        url = try columns.value(CodingKeys.url)
        status = try columns.value(CodingKeys.status)
        createdAt = try columns.value(CodingKeys.createdAt)
        closedAt = try columns.value(CodingKeys.closedAt)
        closeReason = try columns.value(CodingKeys.closeReason)
    }
}

extension ActionItem: RecordFields {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}
