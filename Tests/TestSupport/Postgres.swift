import Foundation
import PostgresSupport
import Testing

/// The test server: `INCIDENT_TEST_POSTGRES`, a URI of a role that may create databases (.ci/run starts a
/// throwaway cluster and sets it). Every test works in a database of its own.
public enum TestPostgres {
    public static let admin = ProcessInfo.processInfo.environment["INCIDENT_TEST_POSTGRES"].flatMap {
        $0.isEmpty ? nil : $0
    }
    public static let skipReason: Comment = """
        needs a PostgreSQL server: set INCIDENT_TEST_POSTGRES=postgres://USER:PASSWORD@127.0.0.1:PORT/postgres \
        (a role that may create databases); .ci/run starts one
        """
    /// Whether the store-agnostic suites (store, report, receiver, CLI) run on PostgreSQL: with
    /// `INCIDENT_TEST_STORE=postgres`, each test's store is a new database on the test server; else an SQLite
    /// file. `.ci/run` runs those suites once each way.
    public static let storesOnPostgres = ProcessInfo.processInfo.environment["INCIDENT_TEST_STORE"] == "postgres"

    /// Where a test's store lives: a new database on the test server when ``storesOnPostgres``, else the file
    /// `name` in `directory`.
    public static func store(in directory: TemporaryDirectory, _ name: String = "incidents.db") throws -> String {
        storesOnPostgres ? try freshDatabase() : directory.path(name)
    }

    /// Whether libpq can be loaded, for the tests that need no server.
    public static let hasLibPQ = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) != nil

    /// A new, empty database on the test server, and its URI.
    public static func freshDatabase() throws -> String {
        let admin = try #require(admin)
        let name = "incident_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresConnection(admin).execute("CREATE DATABASE \(name)")
        return try uri(database: name)
    }

    /// The admin URI with another database, or user and password.
    public static func uri(database: String, user: String? = nil, password: String? = nil) throws -> String {
        let admin = try #require(admin)
        var components = try #require(URLComponents(string: admin))
        components.path = "/" + database
        if let user { components.user = user }
        if let password { components.password = password }
        return try #require(components.string)
    }

    /// Every row of every table in the database `address` names, as text: equal before and after a command
    /// that changed nothing. A missing database reads as empty, as a missing SQLite file would.
    public static func contents(of address: String) throws -> String {
        let connection = try PostgresConnection(address)
        let tables = try connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).compactMap { $0[0] }
        return try tables.map { table in
            let rows = try connection.execute("SELECT * FROM \(table) ORDER BY \(table)")
            return "\(table)\n" + rows.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
