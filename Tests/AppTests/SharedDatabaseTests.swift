import Foundation
import PostgresSupport
import TestSupport
import Testing

/// Replicas that share a PostgreSQL database (`APP_DATABASE_URL`): one history whichever replica answers,
/// a bounded connection pool, and readiness that follows the database.
@Suite(.enabled(if: TestPostgres.admin != nil, TestPostgres.skipReason))
struct SharedDatabaseTests {
    /// A replica of the app on a database of `address`, with its pool's settings.
    private func replica(_ address: String, pool: [String: String] = [:]) async throws -> LiveApp {
        try await LiveApp(environment: ["APP_DATABASE_URL": address].merging(pool) { $1 })
    }

    @Test("A note written through one replica is read through another, by id and in the list")
    func writesThroughOneReadThroughAnother() async throws {
        let database = try TestPostgres.freshDatabase()
        let first = try await replica(database)
        let second = try await replica(database)
        #expect(try await first.request("/readyz").status == 200)
        let created = try await first.request("/api/notes", method: "POST", body: #"{"text":"written on one"}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.object["id"] as? Int)
        let read = try await second.request("/api/notes/\(id)")
        #expect(read.status == 200)
        #expect(read.object["text"] as? String == "written on one")
        let listed = try await second.request("/api/notes").object["notes"] as? [[String: Any]]
        #expect(listed?.map { $0["id"] as? Int } == [id])
        let newer = try await second.request("/api/notes", method: "POST", body: #"{"text":"and on the other"}"#)
        #expect(newer.object["id"] as? Int == id + 1, "one sequence for every replica")
    }

    @Test("A pool with every connection busy answers 503 after its timeout, counts it, and serves again after")
    func exhaustedPool() async throws {
        let database = try TestPostgres.freshDatabase()
        let app = try await replica(database, pool: ["APP_DB_POOL_SIZE": "1", "APP_DB_POOL_TIMEOUT_MS": "200"])
        #expect(try await app.request("/api/notes", method: "POST", body: #"{"text":"first"}"#).status == 201)
        // Another session locks the notes: the next write holds the only connection while it waits.
        let locker = try PostgresConnection(database)
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE note IN ACCESS EXCLUSIVE MODE")
        let blocked = Task { try await app.request("/api/notes", method: "POST", body: #"{"text":"waits"}"#) }
        try await waitUntil { try await app.labelledMetric("app_db_pool_connections", #"state="in_use""#) == 1 }
        let start = ContinuousClock.now
        let refused = try await app.request("/api/notes")
        let waited = ContinuousClock.now - start
        #expect(refused.status == 503)
        #expect(refused.text.contains("data store unavailable"))
        #expect(waited >= .milliseconds(200), "it waited the pool timeout first")
        let readiness = try await app.request("/readyz")
        #expect(readiness.status == 503)
        #expect(readiness.text.contains("all 1 database connections in use"), "\(readiness.text)")
        #expect(try await app.metric("app_db_pool_timeouts_total") >= 2)
        #expect(try await app.metric("app_db_pool_max_connections") == 1)
        try locker.execute("COMMIT")
        #expect(try await blocked.value.status == 201, "the waiting write went through once the lock ended")
        #expect(try await app.request("/readyz").status == 200)
        #expect(app.logLines.contains { $0["message"] as? String == "data store unavailable" })
    }

    @Test("A database that does not exist yet: not ready and 503, until it is created; then ready, no restart")
    func readinessFollowsTheDatabase() async throws {
        let name = "app_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let address = try TestPostgres.uri(database: name)
        let app = try await replica(address)
        let notReady = try await app.request("/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.text.contains("does not exist"), "\(notReady.text)")
        #expect(try await app.request("/api/notes").status == 503)
        #expect(try await app.request("/livez").status == 200, "alive: restarting it would not help")
        #expect(try await app.metric("app_ready") == 0)
        try PostgresConnection(try #require(TestPostgres.admin)).execute("CREATE DATABASE \(name)")
        #expect(try await app.request("/readyz").status == 200)
        #expect(try await app.request("/api/notes", method: "POST", body: #"{"text":"now"}"#).status == 201)
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension LiveApp {
    /// The value of one labelled sample of `/metrics`.
    func labelledMetric(_ name: String, _ labels: String) async throws -> Double? {
        sample(try await request("/metrics").text, name, labels)
    }
}
