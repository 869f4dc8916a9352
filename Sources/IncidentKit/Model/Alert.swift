import GRDB

/// One alert as Alertmanager sent it, kept raw beside what it did to the incidents.
public struct Alert: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// Whether the alert fires or has resolved.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case firing, resolved
    }

    /// What receiving the alert did.
    public enum Outcome: String, Codable, Sendable, DatabaseValueConvertible {
        /// It detected an open, undetected incident.
        case detected
        /// No incident matched: it opened a real one.
        case opened
        /// It fired after the incident had recovered, which nobody had detected: a late detection.
        case late
        /// It fired for an incident already detected, or resolved: a note on its timeline.
        case noted
        /// The same notification again (Alertmanager retries and repeats): nothing changed.
        case duplicate
        /// A resolved alert whose firing was never received: kept, attached to nothing.
        case unmatched
    }

    public var id: Int64?
    public var fingerprint: String
    /// `alertname`.
    public var name: String
    /// The `service` label, else `job`.
    public var service: String
    public var status: Status
    public var startsAt: Timestamp
    /// Nil while firing (Alertmanager's zero time is read as unset).
    public var endsAt: Timestamp?
    /// The labels and annotations as JSON objects.
    public var labels: String
    public var annotations: String
    public var receivedAt: Timestamp
    public var incidentId: Int64?
    public var outcome: Outcome

    public static let databaseTableName = "alert"

    public enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id, fingerprint, name, service, status, labels, annotations, outcome
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case receivedAt = "received_at"
        case incidentId = "incident_id"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An alert as a receiver hands it over: what Alertmanager said, before it is matched to an incident.
public struct AlertNotice: Sendable, Equatable {
    public var fingerprint: String
    public var name: String
    public var service: String
    public var status: Alert.Status
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    /// The `summary` annotation: the title of an incident the alert opens.
    public var summary: String?
    public var labels: String
    public var annotations: String

    public init(
        fingerprint: String, name: String, service: String, status: Alert.Status, startsAt: Timestamp,
        endsAt: Timestamp?, summary: String?, labels: String, annotations: String
    ) {
        self.fingerprint = fingerprint
        self.name = name
        self.service = service
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.summary = summary
        self.labels = labels
        self.annotations = annotations
    }
}
