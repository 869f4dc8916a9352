import FaultCatalog
import Foundation
import GRDB
import Hummingbird
import PostgresSupport

/// A note, the resource of the small JSON API.
struct Note: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "note"

    var id: Int64?
    var text: String
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, text
        case createdAt = "created_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Where the notes are kept: a SQLite file of the replica's own (``SQLiteNotes``) or a PostgreSQL database
/// that every replica shares (``PostgresNotes``).
protocol NotesBackend: Sendable {
    func add(_ note: Note) async throws -> Note
    /// The newest notes first.
    func list(limit: Int) async throws -> [Note]
    func note(id: Int64) async throws -> Note?
    /// Throws unless the store answers a query.
    func ping() async throws
}

/// The service's dependency, the notes store. Every call first asks the fault registry whether a
/// `dependency_down` fault makes it fail, and counts in `app_store_calls_total` and
/// `app_store_call_duration_seconds`, failures included.
struct NoteStore: Sendable {
    private let backend: any NotesBackend
    private let faults: FaultRegistry
    private let metrics: AppMetrics

    init(backend: any NotesBackend, faults: FaultRegistry, metrics: AppMetrics) {
        self.backend = backend
        self.faults = faults
        self.metrics = metrics
    }

    func add(text: String) async throws -> Note {
        try await measured(.add) { try await backend.add(Note(id: nil, text: text, createdAt: Date().rfc3339)) }
    }

    /// The newest notes first.
    func list(limit: Int) async throws -> [Note] {
        try await measured(.list) { try await backend.list(limit: limit) }
    }

    func note(id: Int64) async throws -> Note? {
        try await measured(.get) { try await backend.note(id: id) }
    }

    /// Throws unless the store answers a query: the readiness check.
    func ping() async throws {
        try await measured(.ping) { try await backend.ping() }
    }

    /// Runs `call` unless a `dependency_down` fault fails it, and records its outcome and duration. A
    /// PostgreSQL server that cannot be reached becomes ``StoreUnavailable`` (503).
    private func measured<Result>(_ operation: StoreCall, _ call: () async throws -> Result) async throws -> Result {
        let start = ContinuousClock.now
        do {
            if let fault = faults.failure(.dependencyDown) {
                throw StoreUnavailable(reason: "fault \(fault.label)", fault: fault)
            }
            let result = try await call()
            metrics.recordStoreCall(operation, succeeded: true, duration: .now - start)
            return result
        } catch {
            metrics.recordStoreCall(operation, succeeded: false, duration: .now - start)
            if let failure = error as? PostgresError, failure.kind != .other, failure.kind != .constraint {
                throw StoreUnavailable(reason: failure.message)
            }
            throw error
        }
    }
}

/// The notes store cannot serve now (a `dependency_down` fault, a database that cannot be reached or
/// refuses the service, a connection pool with none free): the caller answers 503, which HAProxy may retry
/// on another replica and Alertmanager-style clients treat as temporary.
struct StoreUnavailable: HTTPResponseError, CustomStringConvertible {
    let reason: String
    /// The injected fault that failed the call, if one did.
    var fault: ActiveFault?

    var description: String { "unavailable (\(reason))" }

    var status: HTTPResponse.Status { .serviceUnavailable }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(.serviceUnavailable, message: "data store unavailable").response(from: request, context: context)
    }
}
