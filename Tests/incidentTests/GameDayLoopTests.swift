import Foundation
import IncidentKit
import LabHTTP
import TestSupport
import Testing

/// The game-day loop end to end: the built CLI breaking the built app on a loopback port.
@Suite(.serialized)
struct GameDayLoopTests {
    /// One fault of each type, with parameters that keep the machine safe and the app alive until cleared.
    static let faults = [
        "latency ms=800", "error status=503", "abort", "hang max_s=5", "crash exit_code=137 delay_s=600",
        "memory_leak mb_per_s=10 max_mb=50", "cpu_burn threads=1", "dependency_down", "not_ready", "not_live",
    ]

    @Test func everyFaultTypeIsInjectedAndRecordedAtTheAppsOwnActivationTime() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        for fault in Self.faults {
            let words = fault.split(separator: " ").map(String.init)
            let injected = try #require(
                try await cli.json(["inject"] + words + ["--duration", "2m"], environment: app.cliEnvironment)
                    as? [String: Any])
            let incident = try #require(injected["id"] as? Int)
            let faultId = try #require(injected["fault_id"] as? Int, "\(fault)")
            let inForce = try #require(try app.faults().first { $0["id"] as? Int == faultId }, "\(fault) is in force")
            #expect(inForce["type"] as? String == words[0])
            // The same instant, though the CLI prints milliseconds only when there are some and the app always.
            let started = (injected["started_at"] as? String).flatMap(Timestamp.init(rfc3339:))
            let activated = (inForce["activated_at"] as? String).flatMap(Timestamp.init(rfc3339:))
            #expect(started != nil && started == activated, "\(fault)")
            #expect(injected["kind"] as? String == "injected" && injected["target"] as? String == app.url)
            #expect((injected["fault"] as? String)?.hasPrefix(words[0]) == true)
            try await expectSuccess(cli, "clear", "\(incident)", environment: app.cliEnvironment)
            #expect(try app.faults().isEmpty, "\(fault) was cleared")
        }
        let timeline = try #require(
            (try await cli.json("show", "1") as? [String: Any])?["timeline"] as? [[String: Any]])
        #expect(timeline.compactMap { $0["kind"] as? String } == ["opened", "fault_cleared"])
    }

    @Test func refusedInjectionsRecordNothingAndLeaveNoFault() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let cases: [(Int32, String, [String], [String: String])] = [
            (77, "refused the admin token from $APP_ADMIN_TOKEN", ["inject", "abort"], ["APP_ADMIN_TOKEN": "wrong"]),
            (
                69, "cannot reach the app at http://127.0.0.1:1",
                ["inject", "abort", "--target", "http://127.0.0.1:1"], [:]
            ),
            (64, "field 'ms' is 70000; it must be between 0 and 60000", ["inject", "latency", "ms=70000"], [:]),
            (64, "unknown fault type 'latncy'", ["inject", "latncy", "ms=5"], [:]),
            (69, "has no admin API", ["inject", "abort", "--target", app.url + "/api"], [:]),
            (64, "no admin token", ["inject", "abort"], ["APP_ADMIN_TOKEN": ""]),
        ]
        for (status, words, arguments, environment) in cases {
            let result = try await cli.run(arguments, environment: app.cliEnvironment.merging(environment) { $1 })
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
        }
        #expect(try app.faults().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cli.database), "no incident, not even a database")
    }

    @Test func aFaultTheDatabaseCannotRecordIsClearedAgain() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        try await expectSuccess(cli, "open", "first", "--at", "-1h")
        try refuseInserts(into: "incident", on: cli.database)
        let result = try await cli.run(["inject", "error"], environment: app.cliEnvironment)
        #expect(result.status == 74, "\(result.stderr)")
        #expect(try app.faults().isEmpty, "the fault the app accepted was cleared again")
    }

    /// Starts `incident watch` until one failure recovered, breaks the app with `fault`, waits for the
    /// detection, ends the failure with `repair` (given the injected incident's id), and returns that incident.
    /// Thresholds leave room for a loaded machine: an answer is slow above 500 ms, three slow rounds detect.
    func watch(_ fault: [String], app: AppUnderTest, cli: CLI, repair: (Int) async throws -> Void) async throws
        -> [String: Any]
    {
        let (watch, out, err) = try cli.start(
            [
                "watch", "--until-recovered", "--interval", "200ms", "--fail-after", "3", "--recover-after", "2",
                "--timeout", "2s", "--slow", "500ms", "--json",
            ],
            environment: app.cliEnvironment)
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        try await Task.sleep(for: .seconds(1))
        let id = try #require(
            Int(
                try await cli.run(["inject"] + fault + ["-q"], environment: app.cliEnvironment).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (try? await cli.json("show", "\(id)") as? [String: Any])?["detected_at"] is NSNull {
            try await Task.sleep(for: .seconds(0.2))
        }
        try await repair(id)
        while watch.isRunning && Date() < deadline.addingTimeInterval(15) { try await Task.sleep(for: .seconds(0.1)) }
        let errors = try String(contentsOf: err, encoding: .utf8)
        #expect(!watch.isRunning, "\(fault): watch did not see the recovery; \(errors)")
        #expect(try String(contentsOf: out, encoding: .utf8).contains(#""kind":"recovered""#), "\(fault)")
        return try #require(try await cli.json("show", "\(id)") as? [String: Any])
    }

    @Test(arguments: ["error", "abort", "hang max_s=30", "latency ms=800", "dependency_down", "not_ready", "not_live"])
    func watchDetectsWhatAProbeCanSeeAndRecordsTheRecovery(fault: String) async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let incident = try await watch(fault.split(separator: " ").map(String.init), app: app, cli: cli) { id in
            try await expectSuccess(cli, "clear", "\(id)", environment: app.cliEnvironment)
        }
        #expect(incident["detection"] as? String == "probe", "\(fault)")
        // As instants: the CLI writes milliseconds only when there are some (10:00:15Z, 10:00:15.321Z).
        func instant(_ key: String) throws -> Timestamp {
            try #require((incident[key] as? String).flatMap(Timestamp.init(rfc3339:)), "\(key)")
        }
        let (started, detected, mitigated) = (
            try instant("started_at"), try instant("detected_at"), try instant("mitigated_at")
        )
        #expect(started < detected && detected < mitigated, "\(fault): \(incident)")
    }

    @Test func watchDetectsACrashAndTheRestart() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let port = app.port
        let incident = try await watch(["crash", "exit_code=3"], app: app, cli: cli) { _ in
            await app.kill()
            try await app.start(port: port)
        }
        #expect(app.port == port)
        #expect(incident["detection"] as? String == "probe" && incident["mitigated_at"] is String)
    }

    @Test func aWholeGameDayUnderASupervisorScoresEveryFaultType() async throws {
        let app = try await AppUnderTest()
        let port = app.port
        await app.kill()
        let cli = try CLI()
        let scenario = cli.directory.path("all.yaml")
        try """
        name: all faults, quickly
        defaults: {hold: 5s, detect_within: 8s, recover_within: 20s}
        steps:
        \(Self.faults.map { "  - fault: \($0.replacingOccurrences(of: " delay_s=600", with: ""))" }.joined(separator: "\n"))
        """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try await cli.run(
            [
                "gameday", "run", scenario, "--json", "--supervise", app.command, "--interval", "250ms",
                "--fail-after", "2", "--recover-after", "2", "--timeout", "1s", "--slow", "300ms",
                "--output", cli.directory.path("gameday.md"),
            ],
            environment: app.cliEnvironment)
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let steps = try #require(scorecard["steps"] as? [[String: Any]])
        #expect(steps.count == 10)
        for step in steps {
            let fault = step["fault"] as? String ?? ""
            #expect(step["recovered"] as? Bool == true, "\(fault) recovered: \(step)")
            if fault.hasPrefix("memory_leak") || fault.hasPrefix("cpu_burn") {
                #expect(step["outcome"] as? String == "undetected")
                #expect((step["note"] as? String)?.contains("cannot see") == true, "\(step)")
            } else if !fault.hasPrefix("crash") {
                #expect(step["outcome"] as? String == "detected", "\(fault): \(step)")
            }
        }
        #expect(
            try String(contentsOfFile: cli.directory.path("gameday.md"), encoding: .utf8).contains("| step | fault |"))
        let incidents = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(incidents.count == 10 && incidents.allSatisfy { $0["status"] as? String == "resolved" })
        #expect(throws: (any Error).self, "the supervised app was stopped") {
            try HTTPClient(timeout: .seconds(1)).send(HTTPRequest(), to: "http://127.0.0.1:\(port)/livez")
        }
    }

    /// Behind a load balancer: the prober asks one address, the faults go to the replicas' admin APIs, the
    /// first only or all of them as each step says, and every one is cleared.
    @Test func stepsBreakOneReplicaOrAllOfThemAndClearEveryFault() async throws {
        let first = try await AppUnderTest()
        let second = try await AppUnderTest()
        let cli = try CLI()
        let scenario = cli.directory.path("replicas.yaml")
        try """
        defaults: {hold: 1s, detect_within: 5s, recover_within: 10s}
        steps:
          - {fault: error status=500, replicas: 1}
          - {fault: error status=500}
        """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try await cli.run(
            [
                "gameday", "run", scenario, "--json", "--interval", "250ms", "--fail-after", "2", "--recover-after",
                "2", "--replica", first.url, "--replica", second.url,
            ],
            environment: first.cliEnvironment)
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let steps = try #require(scorecard["steps"] as? [[String: Any]])
        #expect(steps.map { $0["scope"] as? String } == ["1 of 2", "all"])
        #expect(steps.allSatisfy { $0["recovered"] as? Bool == true }, "\(steps)")
        #expect(try first.faults().isEmpty && second.faults().isEmpty, "every fault cleared")
        func notes(_ id: Int) async throws -> [String] {
            let timeline = (try await cli.json("show", "\(id)") as? [String: Any])?["timeline"] as? [[String: Any]]
            return (timeline ?? []).compactMap { $0["text"] as? String }
        }
        #expect(try await !notes(1).contains { $0.contains("also injected") }, "step 1 broke the first only")
        #expect(
            try await notes(2).contains("fault also injected on \(second.url) (app fault 1)"),
            "the second replica's first fault")
        let incidents = try #require(try await cli.json("list") as? [[String: Any]])
        #expect(incidents.allSatisfy { $0["target"] as? String == first.url })
        #expect((incidents.first { $0["id"] as? Int == 2 }?["title"] as? String)?.hasSuffix("(all)") == true)
    }

    /// A step whose probes failed, but never --fail-after rounds in a row, says so rather than "no probe failed".
    @Test func aStepSeenFailingTooBrieflySaysHowManyRoundsFailed() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let scenario = cli.directory.path("brief.yaml")
        try "steps:\n  - fault: error status=500\n    hold: 2s\n    detect_within: 2s\n".write(
            toFile: scenario, atomically: true, encoding: .utf8)
        let run = try await cli.run(
            [
                "gameday", "run", scenario, "--json", "--interval", "250ms", "--fail-after", "100", "--recover-after",
                "2",
            ],
            environment: app.cliEnvironment)
        #expect(run.status == 0, "\(run.stderr)")
        let scorecard = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let step = try #require((scorecard["steps"] as? [[String: Any]])?.first)
        #expect(step["outcome"] as? String == "undetected", "\(step)")
        let note = step["note"] as? String ?? ""
        #expect(note.contains("failed, fewer than --fail-after in a row before the fault was cleared"), "\(note)")
        #expect(note.firstMatch(of: /^[1-9][0-9]* rounds? failed/) != nil, "\(note)")
    }

    @Test func ctrlCClearsEveryFaultTheGameDayInjected() async throws {
        let app = try await AppUnderTest()
        let cli = try CLI()
        let scenario = cli.directory.path("long.yaml")
        try "steps:\n  - fault: error status=500\n    hold: 10m\n".write(
            toFile: scenario, atomically: true, encoding: .utf8)
        let (run, out, _) = try cli.start(
            ["gameday", "run", scenario, "--interval", "200ms"], environment: app.cliEnvironment)
        let deadline = Date().addingTimeInterval(20)
        while try app.faults().isEmpty && Date() < deadline { try await Task.sleep(for: .seconds(0.2)) }
        #expect(try !app.faults().isEmpty, "the game day injected its fault")
        kill(run.processIdentifier, SIGINT)
        await waitForExit(run)
        let printed = try String(contentsOf: out, encoding: .utf8)
        #expect(run.terminationStatus == 130, "\(printed)")
        #expect(try app.faults().isEmpty, "Ctrl-C cleared the fault")
        let timeline = try #require(
            (try await cli.json("show", "1") as? [String: Any])?["timeline"] as? [[String: Any]])
        #expect(timeline.contains { $0["kind"] as? String == "fault_cleared" })
    }
}
