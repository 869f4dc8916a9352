import Foundation
import PostgresSupport
import TestSupport
import Testing

/// The test server: `INCIDENT_TEST_POSTGRES`, a URI of a role that may create databases (.ci/run starts a
/// throwaway cluster and sets it). Every test works in a database of its own.
enum TestPostgres {
    static let admin = ProcessInfo.processInfo.environment["INCIDENT_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipReason: Comment = """
        needs a PostgreSQL server: set INCIDENT_TEST_POSTGRES=postgres://USER:PASSWORD@127.0.0.1:PORT/postgres \
        (a role that may create databases); .ci/run starts one
        """
    /// Whether libpq can be loaded, for the tests that need no server.
    static let hasLibPQ = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) != nil

    /// A new, empty database on the test server, and its URI.
    static func freshDatabase() throws -> String {
        let admin = try #require(admin)
        let name = "incident_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresConnection(admin).execute("CREATE DATABASE \(name)")
        return try uri(database: name)
    }

    /// The admin URI with another database, or user and password.
    static func uri(database: String, user: String? = nil, password: String? = nil) throws -> String {
        let admin = try #require(admin)
        var components = try #require(URLComponents(string: admin))
        components.path = "/" + database
        if let user { components.user = user }
        if let password { components.password = password }
        return try #require(components.string)
    }
}

@Suite(.enabled(if: TestPostgres.admin != nil, TestPostgres.skipReason))
struct PostgresStoreTests {
    @Test func dbInitCreatesTheSchemaOnceAndCheckReportsItAsOnSQLite() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let first = try await cli.run("db", "init", "--db", address)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("schema:    6 migration(s), latest \"v6 decision records\""), "\(first.stdout)")
        #expect(first.stdout.contains("integrity: ok") && first.stdout.contains("database:  postgres://"))
        if let password = URLComponents(string: address)?.password {
            #expect(!first.stdout.contains(password), "the password is never shown")
        }
        #expect(try await cli.run("db", "init", "--db", address).status == 0, "a current schema is left as it is")
        let postgres = try #require(try await cli.json("db", "check", "--db", address) as? [String: Any])
        #expect(try await cli.run("db", "init").status == 0)
        let sqlite = try #require(try await cli.json("db", "check") as? [String: Any])
        #expect(postgres["schema"] as? [String] == sqlite["schema"] as? [String], "one schema version on both")
        #expect(postgres["incidents"] as? Int == 0 && postgres["problems"] as? [String] == [])
        #expect((postgres["path"] as? String)?.hasPrefix("postgres://") == true)
    }

    @Test func processesInitialisingAtOnceAllSucceed() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let results = try await withThrowingTaskGroup(of: CLI.Result.self) { group in
            for _ in 0..<4 { group.addTask { try await cli.run("db", "init", "--db", address) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        let check = try await cli.run("db", "check", "--db", address)
        #expect(check.status == 0 && check.stdout.contains("6 migration(s)"), "\(check.stdout)\(check.stderr)")
    }

    @Test func aSchemaOfANewerIncidentIsRefusedUntouched() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        try await expectSuccess(cli, "db", "init", "--db", address)
        try PostgresConnection(address).execute(
            "INSERT INTO incident_schema_migrations (identifier) VALUES ('v99 from the future')")
        for command in ["init", "check"] {
            let refused = try await cli.run("db", command, "--db", address)
            #expect(refused.status == 74 && refused.stderr.contains("written by a newer version"), "\(refused.stderr)")
        }
        let count = try PostgresConnection(address).execute("SELECT count(*) FROM incident_schema_migrations")
        #expect(count.first?[0] == "7")
    }

    @Test func aStoreMissingATableIsDamaged() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        try await expectSuccess(cli, "db", "init", "--db", address)
        try PostgresConnection(address).execute("DROP TABLE decision_slo")
        let check = try await cli.run("db", "check", "--db", address)
        #expect(check.status == 74 && check.stdout.contains("the table decision_slo is missing"), "\(check.stdout)")
        #expect(check.stderr.contains("is damaged (1 problem(s))"), "\(check.stderr)")
    }

    @Test func aDatabaseWithoutTheSchemaOrWithATableOfAnotherProgramIsNamed() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let empty = try await cli.run("db", "check", "--db", address)
        #expect(empty.status == 66 && empty.stderr.contains("holds no incident store"), "\(empty.stderr)")
        try PostgresConnection(address).execute("CREATE TABLE incident (x int)")
        let foreign = try await cli.run("db", "init", "--db", address)
        #expect(foreign.status == 74 && foreign.stderr.contains("did not make"), "\(foreign.stderr)")
        let after = try PostgresConnection(address).execute("SELECT to_regclass('incident_schema_migrations')")
        #expect(after.first?[0] == nil, "the refused init rolled back")
    }

    @Test func credentialsAndDatabasesThatDoNotWorkGetTheirExitCodes() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let path = try #require(URLComponents(string: address)?.path)
        let database = path.dropFirst()
        let wrongPassword = try await cli.run(
            "db", "check", "--db", try TestPostgres.uri(database: String(database), password: "not-it-s3cret"))
        #expect(
            wrongPassword.status == 77 && !wrongPassword.stderr.contains("not-it-s3cret"), "\(wrongPassword.stderr)")
        let nobody = try await cli.run("db", "check", "--db", try TestPostgres.uri(database: "x", user: "nobody"))
        #expect(nobody.status == 77, "\(nobody.stderr)")
        let missing = try await cli.run("db", "init", "--db", try TestPostgres.uri(database: "no_such_database"))
        #expect(missing.status == 74 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let backup = try await cli.run("db", "backup", cli.directory.path("b.db"), "--db", address)
        #expect(backup.status == 64 && backup.stderr.contains("pg_dump"), "\(backup.stderr)")
    }

    @Test func theConnectionFollowsPostgresConventionsPGPASSWORDPgpassAndPGSERVICE() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        var components = try #require(URLComponents(string: address))
        let password = try #require(components.password)
        components.password = nil
        let bare = try #require(components.string)
        let viaVariable = try await cli.run("db", "init", "--db", bare, environment: ["PGPASSWORD": password])
        #expect(viaVariable.status == 0, "\(viaVariable.stderr)")
        let pgpass = cli.directory.path(".pgpass")
        try "*:*:*:*:\(password)\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        chmod(pgpass, 0o600)
        let viaFile = try await cli.run("db", "check", "--db", bare)
        #expect(viaFile.status == 0, "\(viaFile.stderr)")
        let service = """
            [incidents]
            host=\(components.host ?? "")
            port=\(components.port ?? 5432)
            dbname=\(components.path.dropFirst())
            user=\(components.user ?? "")
            """
        try service.write(toFile: cli.directory.path(".pg_service.conf"), atomically: true, encoding: .utf8)
        let viaService = try await cli.run(
            "db", "check", "--db", "postgres://", environment: ["PGSERVICE": "incidents"])
        #expect(viaService.status == 0 && viaService.stdout.contains("6 migration(s)"), "\(viaService.stderr)")
    }
}

@Suite(.enabled(if: TestPostgres.hasLibPQ, "needs libpq (Debian package libpq5); .ci/run installs it"))
struct PostgresReachTests {
    @Test func noServerThereIsUnavailable() async throws {
        let cli = try CLI()
        let result = try await cli.run("db", "check", "--db", "postgres://eve:s3cret@127.0.0.1:1/incidents")
        #expect(result.status == 69 && result.stderr.contains("cannot reach PostgreSQL"), "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret") && !result.crashed)
    }

    /// A loopback port that accepts connections and never answers, open until `descriptor` is closed: a
    /// command connecting to it waits.
    static func silentPort() throws -> (descriptor: Int32, port: UInt16) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(listener >= 0 && listening)
        return (listener, UInt16(bigEndian: address.sin_port))
    }

    @Test(arguments: [
        "postgres://eve:s3cret@127.0.0.1:abc/x", "postgres://eve:s3cret@127.0.0.1/x?sslmode=bogus",
        "postgres://eve:s3cret@127.0.0.1/x?options=-csearch_path=x", "postgres://eve:s3cret@[::1/x",
    ])
    func aMalformedAddressIsBadInput(address: String) async throws {
        let result = try await CLI().run("db", "check", "--db", address)
        #expect(result.status == 64 && result.stderr.contains("address in --db"), "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret") && !result.crashed, "\(result.stderr)")
    }

    @Test func aPasswordOnTheCommandLineIsHiddenFromTheProcessList() async throws {
        let (listener, port) = try Self.silentPort()
        defer { close(listener) }
        let cli = try CLI()
        let (process, _, err) = try cli.start(
            ["db", "check", "--db=postgres://eve:s3cret@127.0.0.1:\(port)/x?password=hunter2"],
            environment: ["PGCONNECT_TIMEOUT": "60"])
        // The arguments read before the program hides the passwords (it does so as it starts) still show them.
        var commandLine = ""
        for _ in 0..<250 where !commandLine.contains("xxxxxx") {
            try await Task.sleep(for: .milliseconds(20))
            let file = "/proc/\(process.processIdentifier)/cmdline"
            commandLine = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        }
        #expect(commandLine.contains("postgres://eve:xxxxxx@127.0.0.1") && commandLine.contains("password=xxxxxxx"))
        #expect(!commandLine.contains("s3cret") && !commandLine.contains("hunter2"), "\(commandLine)")
        process.send(SIGKILL)
        _ = await process.waitUntilExit()
        #expect(!(try String(contentsOf: err, encoding: .utf8)).contains("s3cret"))
    }

    @Test func ctrlCEndsTheWaitForAServerAtOnce() async throws {
        let (listener, port) = try Self.silentPort()
        defer { close(listener) }
        let cli = try CLI()
        let (process, _, err) = try cli.start(
            ["db", "check", "--db", "postgres://eve@127.0.0.1:\(port)/x"], environment: ["PGCONNECT_TIMEOUT": "60"])
        // Once it is connecting, it is running its command, Ctrl-C handling in place.
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&waiting, 1, 30_000) == 1, "the command connects")
        let sent = ContinuousClock.now
        process.send(SIGINT)
        #expect(await process.waitUntilExit() == 130)
        #expect(ContinuousClock.now - sent < .seconds(30), "not the 60 s of the connect timeout")
        #expect(try String(contentsOf: err, encoding: .utf8).contains("interrupted"))
    }
}
