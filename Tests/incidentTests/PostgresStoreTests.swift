import Conventions
import Foundation
import PostgresSupport
import TestSupport
import Testing

@Suite(.enabled(if: TestPostgres.admin != nil, TestPostgres.skipReason))
struct PostgresStoreTests {
    @Test func dbInitCreatesTheSchemaOnceAndCheckReportsItAsOnSQLite() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let first = try await cli.run("db", "init", "--db", address)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("schema:    8 migration(s), latest \"v8 chaos experiments\""), "\(first.stdout)")
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
        #expect(check.status == 0 && check.stdout.contains("8 migration(s)"), "\(check.stdout)\(check.stderr)")
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
        #expect(count.first?[0] == "9", "the eight migrations and the newer one")
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
        #expect(viaService.status == 0 && viaService.stdout.contains("8 migration(s)"), "\(viaService.stderr)")
    }
}

/// Many responders on one PostgreSQL store at once, some of them killed midway.
@Suite(.enabled(if: TestPostgres.admin != nil, TestPostgres.skipReason))
struct PostgresConcurrencyTests {
    /// Four writers run 200 random lifecycle commands each on the same incidents while some of their processes
    /// are killed: every command that succeeded is on record, and no incident is half-written.
    @Test func fourWritersWithKilledProcessesLoseNothingAndHalfWriteNothing() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let environment = ["INCIDENT_DB": address]
        #expect(try await cli.run(["db", "init"], environment: environment).status == 0)
        for index in 1...10 {
            #expect(try await cli.run(["open", "seed \(index)", "--at", "-2h"], environment: environment).status == 0)
        }
        /// What each command that exited 0 promised: titles opened, incidents resolved, actions added.
        struct Done: Sendable {
            var opened: [String] = []
            var resolved: Set<Int> = []
            var actions: [String] = []
            var killed = 0
        }
        let done = try await withThrowingTaskGroup(of: Done.self) { group in
            for writer in 1...4 {
                group.addTask {
                    var done = Done()
                    for step in 1...200 {
                        let id = String(Int.random(in: 1...(10 + step / 4)))
                        let title = "w\(writer)-\(step)"
                        let arguments: [String] =
                            switch Int.random(in: 0..<6) {
                            case 0: ["open", title, "--at", "-1h"]
                            case 1: ["detect", id, "--via", "alert:Down"]
                            case 2: ["ack", id]
                            case 3: ["resolve", id, "--cause", "load", "--prevent", title]
                            case 4: ["action", "add", id, title, "--kind", "detect"]
                            default: ["note", id, title]
                            }
                        let (process, _, _) = try cli.start(arguments, environment: environment)
                        if Int.random(in: 0..<8) == 0 {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 5...60)))
                            kill(process.processIdentifier, SIGKILL)
                        }
                        await waitForExit(process)
                        if process.terminatedBySignal {
                            done.killed += 1
                            continue
                        }
                        guard process.terminationStatus == 0 else { continue }
                        switch arguments[0] {
                        case "open": done.opened.append(title)
                        case "resolve": done.resolved.insert(Int(id)!)
                        case "action": done.actions.append(title)
                        default: break
                        }
                    }
                    return done
                }
            }
            return try await group.reduce(into: Done()) { all, one in
                all.opened += one.opened
                all.resolved.formUnion(one.resolved)
                all.actions += one.actions
                all.killed += one.killed
            }
        }
        let check = try await cli.run(["db", "check"], environment: environment)
        #expect(check.status == 0 && check.stdout.contains("integrity: ok"), "\(check.stdout)\(check.stderr)")
        let export = try await cli.run(["export"], environment: environment)
        let records = try export.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let titles = records.compactMap { $0["title"] as? String }
        #expect(Set(done.opened).isSubset(of: titles), "every open that succeeded is on record")
        #expect(titles.count == Set(titles).count, "no incident twice")
        let actions = records.flatMap { ($0["actions"] as? [[String: Any]]) ?? [] }.compactMap {
            $0["title"] as? String
        }
        #expect(Set(done.actions).isSubset(of: actions), "every action added is on record")
        for record in records {
            let id = record["id"] as? Int ?? 0
            let kinds = Set(((record["timeline"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
            #expect(kinds.contains("opened"), "incident #\(id) has its opening")
            for (field, kind) in [
                ("detected_at", "detected"), ("acknowledged_at", "acknowledged"), ("resolved_at", "resolved"),
            ] where record[field] is String {
                #expect(kinds.contains(kind), "incident #\(id) has \(field) and its \(kind) event")
            }
            if done.resolved.contains(id) {
                #expect(record["resolved_at"] is String, "incident #\(id) was resolved by a command that succeeded")
            }
        }
        print("PostgreSQL, 4 writers x 200 commands: \(done.killed) killed, \(records.count) incidents")
    }

    /// Two responders resolve the same incidents at the same moment: one wins, the other is told what changed.
    @Test func twoRespondersResolvingAtOnceOneWinsTheOtherGetsAConflict() async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let environment = ["INCIDENT_DB": address]
        for index in 1...8 {
            #expect(
                try await cli.run(["open", "outage \(index)", "--at", "-1h"], environment: environment).status == 0)
        }
        for id in 1...8 {
            let pair = try ["alice", "bob"].map { who in
                try cli.start(
                    ["resolve", "\(id)", "--cause", "fixed by \(who)"],
                    environment: environment.merging(["INCIDENT_AUTHOR": who]) { $1 })
            }
            for (process, _, _) in pair { await waitForExit(process) }
            let statuses = pair.map(\.0.terminationStatus).sorted()
            #expect(statuses == [0, 65], "incident #\(id): \(statuses)")
            let loser = try #require(pair.first { $0.0.terminationStatus == 65 })
            let message = try String(contentsOf: loser.2, encoding: .utf8)
            #expect(message.contains("was already resolved at"), "\(message)")
        }
    }

    /// Starts `incident open` while another session holds the incident table locked, waits until it waits
    /// for that lock, and hands `interrupt` the process and its server process id; then expects `status`, one
    /// line on standard error, and nothing written.
    func interruptWaitingCommand(
        status: Int32, sourceLocation: SourceLocation = #_sourceLocation,
        _ interrupt: (ChildProcess, _ backend: String, _ watcher: PostgresConnection) throws -> Void
    ) async throws {
        let cli = try CLI()
        let address = try TestPostgres.freshDatabase()
        let environment = ["INCIDENT_DB": address]
        #expect(try await cli.run(["db", "init"], environment: environment).status == 0)
        let locker = try PostgresConnection(address)
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE incident IN ACCESS EXCLUSIVE MODE")
        let (process, _, err) = try cli.start(["open", "waits for the lock"], environment: environment)
        // Another session: one inside a transaction sees the activity of its first look throughout.
        let watcher = try PostgresConnection(address)
        var waiting: String?
        for _ in 0..<200 where waiting == nil {
            try await Task.sleep(for: .milliseconds(50))
            waiting = try watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).first?[0]
        }
        let backend = try #require(waiting, "the command never waited for the lock", sourceLocation: sourceLocation)
        try interrupt(process, backend, watcher)
        await waitForExit(process)
        try locker.execute("ROLLBACK")
        let message = try String(contentsOf: err, encoding: .utf8)
        #expect(process.terminationStatus == status, "\(message)", sourceLocation: sourceLocation)
        #expect(message.split(separator: "\n").count == 1, "\(message)", sourceLocation: sourceLocation)
        let listed = try #require(try await cli.json(["list"], environment: environment) as? [Any])
        #expect(listed.isEmpty, "the interrupted command wrote nothing", sourceLocation: sourceLocation)
    }

    /// A server that ends the connection while a command waits: exit 69, one line, nothing written.
    @Test func aConnectionEndedMidCommandIsUnavailableAndWritesNothing() async throws {
        try await interruptWaitingCommand(status: 69) { _, backend, watcher in
            try watcher.execute("SELECT pg_terminate_backend($1::int)", [backend])
        }
    }

    /// Ctrl-C while a command waits for a lock stops it at once (the server cancels the statement): exit 130.
    @Test func ctrlCStopsACommandWaitingForALock() async throws {
        try await interruptWaitingCommand(status: 130) { process, _, _ in
            kill(process.processIdentifier, SIGINT)
        }
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
