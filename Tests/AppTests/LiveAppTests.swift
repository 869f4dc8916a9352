import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built binary on a loopback port, as an operator runs it. Serialized: the timing and resource
/// checks must not compete with one another for this machine's two cores.
@Suite("Live service", .serialized)
struct LiveAppTests {
    @Test("A crash fault ends the process with its exit code, after the admin API has answered")
    func crashThroughAdminAPI() async throws {
        let app = try await LiveApp()
        try await app.activate(#"{"type":"crash","exit_code":7}"#)
        #expect(try await app.exitStatus(within: .seconds(10)) == 7)
        let last = try #require(app.logLines.last)
        #expect(last["message"] as? String == "crashing on purpose (crash fault)")
        #expect(last["level"] as? String == "critical")
    }

    @Test("APP_FAULTS plays a bad deploy: a start-up crash fault fires after its delay")
    func crashAtStartUp() async throws {
        let app = try await LiveApp(environment: ["APP_FAULTS": #"[{"type":"crash","exit_code":42,"delay_s":2}]"#])
        #expect(try await app.request("/").status == 200, "serves until the crash")
        #expect(try await app.exitStatus(within: .seconds(10)) == 42)
    }

    @Test("SIGTERM: /readyz turns 503 at once, requests in flight finish, exit 0 within 10 s")
    func gracefulShutdown() async throws {
        let app = try await LiveApp(environment: ["APP_DRAIN_DELAY_S": "2"])
        try await app.activate(#"{"type":"latency","ms":1500,"route":"/api/*"}"#)
        let inFlight = Task { try await app.request("/api/notes", headers: ["X-Request-ID": "in-flight-1"]) }
        try await Task.sleep(for: .milliseconds(400))
        let signalled = ContinuousClock.now
        app.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(100))
        let readiness = try await app.request("/readyz")
        #expect(readiness.status == 503)
        #expect(readiness.object["reason"] as? String == "draining")
        #expect(try await app.request("/livez").status == 200, "still alive while draining")
        let finished = try await inFlight.value
        #expect(finished.status == 200, "the request in flight got its answer")
        #expect(try await app.exitStatus(within: .seconds(10)) == 0)
        #expect(ContinuousClock.now - signalled < .seconds(10))
        let messages = app.logLines.compactMap { $0["message"] as? String }
        #expect(messages.contains("draining: readiness answers 503"))
        #expect(messages.last == "stopped")
    }

    @Test("Every line of standard output is one JSON log object; request lines carry the request id")
    func jsonLogs() async throws {
        let app = try await LiveApp(environment: ["APP_LOG_LEVEL": "debug"])
        let answer = try await app.request(
            "/api/notes", method: "POST", body: #"{"text":"line\nbreak \"quoted\""}"#,
            headers: ["X-Request-ID": "req-42"])
        #expect(answer.status == 201)
        #expect(answer.headers["X-Request-ID"] == "req-42")
        // Long enough for the request to come while it holds on a loaded machine; the test waits for its end.
        try await app.activate(#"{"type":"error","status":502,"duration_s":2}"#)
        #expect(try await app.request("/api/notes").status == 502)
        for _ in 0..<150 where !app.logLines.contains(where: { $0["message"] as? String == "fault expired" }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        app.signal(SIGTERM)
        #expect(try await app.exitStatus(within: .seconds(10)) == 0)

        let lines = app.logLines
        #expect(lines.allSatisfy { $0["unparsed"] == nil }, "\(lines.filter { $0["unparsed"] != nil })")
        for line in lines {
            #expect(line["time"] is String && line["level"] is String && line["message"] is String, "\(line)")
        }
        let request = try #require(lines.first { $0["request_id"] as? String == "req-42" })
        #expect(request["message"] as? String == "request")
        #expect(request["method"] as? String == "POST")
        #expect(request["route"] as? String == "/api/notes")
        #expect(request["status"] as? Int == 201)
        #expect(request["duration_s"] is Double)
        let failed = try #require(lines.first { $0["message"] as? String == "request" && $0["status"] as? Int == 502 })
        #expect((failed["faults"] as? [String])?.first?.hasPrefix("error#") == true)
        let messages = lines.compactMap { $0["message"] as? String }
        for event in ["starting", "listening", "fault activated", "fault expired", "stopped"] {
            #expect(messages.contains(event), "\(event)")
        }
    }

    @Test(
        "promtool check metrics passes on /metrics after traffic and faults",
        .enabled(if: toolAvailable("promtool"), "needs promtool (Debian package prometheus); .ci/run installs it"))
    func promtoolAcceptsMetrics() async throws {
        let app = try await LiveApp()
        _ = try await app.request("/api/notes", method: "POST", body: #"{"text":"a"}"#)
        _ = try await app.request("/api/notes/1")
        _ = try await app.request("/nowhere")
        _ = try await app.request("/livez", method: "HEAD")
        _ = try await app.request("/readyz")
        try await app.activate(#"{"type":"error","probability":1,"route":"/api/*"}"#)
        try await app.activate(#"{"type":"latency","ms":1,"jitter_ms":1}"#)
        try await app.activate(#"{"type":"abort","route":"/"}"#)
        _ = try await app.request("/api/notes")
        _ = try? await app.request("/", timeout: 5)
        let exposition = try await app.request("/metrics").body

        let promtool = try await runProcess("/usr/bin/env", ["promtool", "check", "metrics"], input: exposition)
        #expect(promtool.status == 0, "promtool: \(promtool.output)\(promtool.errors)")
        let text = String(decoding: exposition, as: UTF8.self)
        #expect(text.contains(#"app_faults_injected_total{type="error"} 1"#))
        for family in [
            "http_operational_requests_total", "app_ready", "app_not_ready", "app_store_calls_total",
            "app_store_call_duration_seconds",
        ] {
            #expect(text.contains("# TYPE \(family) "), "\(family)")
        }
        #expect(text.contains(#"route="/",status="599",le="1"}"#), "an abort, and a bound as Go writes it")
    }

    @Test("abort closes the connection without an answer")
    func abortClosesConnection() async throws {
        let app = try await LiveApp()
        try await app.activate(#"{"type":"abort","route":"/api/*"}"#)
        await #expect(throws: (any Error).self) { try await app.request("/api/notes", timeout: 5) }
        #expect(try await app.request("/").status == 200, "other routes and the server carry on")
        let exposition = try await app.request("/metrics").text
        #expect(sample(exposition, "http_requests_total", #"method="GET",route="/api/notes",status="599""#) == 1)
    }

    @Test("memory_leak really grows resident memory up to its cap; clearing gives it back, round after round")
    func memoryLeak() async throws {
        let app = try await LiveApp()
        let before = try await app.metric("process_resident_memory_bytes")
        // Requests served while the leak grows leave small blocks between its chunks. When the chunks came
        // from malloc, glibc served the second round from the heap (its mmap threshold rises after a first
        // free), and those blocks kept the freed memory in the process.
        for round in 1...2 {
            let growing = Mutex(true)  // a flag, not Task cancellation, which can hang URLSession on Linux
            let traffic = Task {
                while growing.withLock({ $0 }) {
                    _ = try? await app.request("/api/notes", method: "POST", body: #"{"text":"round"}"#)
                    _ = try? await app.request("/api/notes?limit=100")
                }
            }
            let id = try await app.activate(#"{"type":"memory_leak","mb_per_s":100,"max_mb":160}"#)
            var grown = before
            for _ in 0..<50 where grown < before + 150e6 {
                try await Task.sleep(for: .milliseconds(100))
                grown = try await app.metric("process_resident_memory_bytes")
            }
            growing.withLock { $0 = false }
            await traffic.value
            #expect(grown >= before + 150e6, "round \(round): resident memory grew from \(before) to \(grown)")
            try await Task.sleep(for: .milliseconds(300))
            let capped = try await app.metric("process_resident_memory_bytes")
            #expect(capped < before + 200e6, "round \(round): stops at max_mb: \(capped - before) bytes")
            _ = try await app.request("/admin/faults/\(id)", method: "DELETE", admin: true)
            let after = try await app.metric("process_resident_memory_bytes")
            #expect(after < before + 20e6, "round \(round): \(after - before) bytes above the start after clearing")
        }
    }

    @Test("cpu_burn really keeps a core busy while the service goes on answering")
    func cpuBurn() async throws {
        let app = try await LiveApp()
        let before = try await app.metric("process_cpu_seconds_total")
        try await app.activate(#"{"type":"cpu_burn","threads":1,"duration_s":2}"#)
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try await app.request("/").status == 200)
        let after = try await app.metric("process_cpu_seconds_total")
        // One spinning thread for 2 s uses up to 2 CPU seconds; an idle server about 0.02. The bound leaves
        // room for the other test suites, and the other builds, that share this machine's two cores.
        #expect(after - before >= 0.2, "CPU seconds used in 2 s of burn: \(after - before)")
        let stopped = try await app.metric("process_cpu_seconds_total")
        try await Task.sleep(for: .milliseconds(500))
        #expect(
            try await app.metric("process_cpu_seconds_total") - stopped < 0.3, "the threads stop when the fault expires"
        )
    }

    @Test("app healthcheck exits 0 when ready, 1 when not ready or not listening")
    func healthcheck() async throws {
        let app = try await LiveApp()
        let url = "http://127.0.0.1:\(app.port)/readyz"
        var result = try await runApp(["healthcheck", "--url", url])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("healthy: \(url) answered 200"))
        result = try await runApp(["healthcheck"], environment: ["APP_PORT": "\(app.port)"])
        #expect(result.status == 0, "APP_PORT gives the default URL: \(result.output)")

        try await app.activate(#"{"type":"not_ready"}"#)
        result = try await runApp(["healthcheck", "--url", url])
        #expect(result.status == 1)
        #expect(result.output.hasPrefix("unhealthy: \(url) answered 503"))

        app.signal(SIGTERM)
        _ = try await app.exitStatus(within: .seconds(10))
        result = try await runApp(["healthcheck", "--url", url, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.output.contains("cannot connect"))
        #expect(try await runApp(["healthcheck", "--url", "ftp://x"]).status == 1)
    }

    @Test(
        "A setting the service cannot start with exits 64, 69 or 74 with a message, before serving",
        arguments: [
            (["APP_PORT": "http"], Int32(64), "APP_PORT is 'http'"),
            (["APP_LOG_LEVEL": "loud"], 64, "APP_LOG_LEVEL is 'loud'; use one of trace, debug"),
            (["APP_FAULTS": #"[{"type":"hang","max_s":86400}]"#], 64, "APP_FAULTS[0]: field 'max_s' is 86400"),
            (["APP_FAULT_INJECTION": "maybe"], 64, "APP_FAULT_INJECTION is 'maybe'"),
            (["APP_ADMIN_TOKEN": " "], 64, "APP_ADMIN_TOKEN is blank or holds spaces"),
            (["APP_IDLE_TIMEOUT_S": "0"], 64, "APP_IDLE_TIMEOUT_S is '0'; give seconds from 0.1 to 3600"),
            (["APP_HEADER_TIMEOUT_S": "soon"], 64, "APP_HEADER_TIMEOUT_S is 'soon'; give seconds from 0.1 to 3600"),
            (["APP_MAX_FAULTS": "0"], 64, "APP_MAX_FAULTS is '0'; give a number of faults from 1 to 10000"),
            (["APP_MAX_LEAK_MB": "lots"], 64, "APP_MAX_LEAK_MB is 'lots'; give megabytes from 0 to 65536"),
            (
                ["APP_FAULTS": #"[{"type":"cpu_burn","threads":20},{"type":"cpu_burn","threads":20}]"#], 64,
                "APP_FAULTS[1]: cpu_burn faults would spin 40 threads together, over the 32 APP_MAX_BURN_THREADS allows"
            ),
            (
                ["APP_DATABASE_URL": "db.example:5432"], 64,
                "APP_DATABASE_URL must be a postgres:// or postgresql:// URI"
            ),
            (
                ["APP_DATABASE_URL": "postgres://127.0.0.1:1/x", "APP_DB_POOL_SIZE": "0"], 64,
                "APP_DB_POOL_SIZE is '0'; give a number of connections from 1 to 64"
            ),
            (
                ["APP_DATABASE_URL": "postgres://127.0.0.1:1/x", "APP_DB_POOL_TIMEOUT_MS": "1s"], 64,
                "APP_DB_POOL_TIMEOUT_MS is '1s'; give milliseconds from 1 to 60000"
            ),
            (["APP_DB_POOL_SIZE": "8"], 64, "APP_DB_POOL_SIZE is set but APP_DATABASE_URL is not"),
            (["APP_DATA": "/nonexistent/dir/app.db"], 74, "cannot open the data file /nonexistent/dir/app.db"),
        ])
    func refusesBadSettings(environment: [String: String], status: Int32, message: String) async throws {
        let directory = try TemporaryDirectory()
        var full = ["APP_PORT": "0", "APP_DATA": directory.path("app.db")]
        full.merge(environment) { $1 }
        let result = try await runApp([], environment: full)
        #expect(result.status == status)
        #expect(result.errors.contains(message), "\(result.errors)")
    }

    @Test("A port already in use exits 69 and says so")
    func portInUse() async throws {
        let app = try await LiveApp()
        let directory = try TemporaryDirectory()
        let result = try await runApp(
            [], environment: ["APP_PORT": "\(app.port)", "APP_DATA": directory.path("app.db")])
        #expect(result.status == 69)
        #expect(result.errors.contains("cannot serve on 127.0.0.1:\(app.port)"))
        #expect(result.errors.contains("Address already in use"))
    }
}

/// Runs the app binary to completion and returns its status, standard output and standard error.
func runApp(_ arguments: [String], environment: [String: String] = [:]) async throws -> (
    status: Int32, output: String, errors: String
) {
    try await runProcess(
        LiveApp.binary.path, arguments, environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
}
