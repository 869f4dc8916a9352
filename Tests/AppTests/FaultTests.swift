import FaultCatalog
import FaultLab
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Each fault type through the router. Effects on the process itself (crash, memory, CPU) are measured on
/// the real binary in LiveAppTests.
@Suite("Faults")
struct FaultTests {
    @Test("latency delays matching requests by ms plus up to jitter_ms, and counts as injected")
    func latency() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let id = try await ServiceHarness.activate(
                #"{"type":"latency","ms":150,"jitter_ms":50,"route":"/api/*"}"#, on: client)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await client.execute(uri: "/api/notes", method: .get).status == .ok)
            let slow = clock.now - start
            _ = try await client.execute(uri: "/", method: .get)
            // Upper bounds on wall-clock time are loose: tests run beside each other on a small machine.
            #expect(slow >= .milliseconds(150) && slow < .seconds(60), "milliseconds, not seconds: \(slow)")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(metrics, "app_faults_injected_total", #"type="latency""#) == 1)
            #expect(
                sample(
                    metrics, "http_request_duration_seconds_bucket",
                    #"method="GET",route="/api/notes",status="200",le="0.1""#) == 0)
            // Recorded once, above the delay; no upper bucket is asserted: a loaded machine can add any delay.
            #expect(
                sample(
                    metrics, "http_request_duration_seconds_count", #"method="GET",route="/api/notes",status="200""#)
                    == 1)
            let logged = harness.logs.events("request").first { $0["path"] as? String == "/api/notes" }
            #expect(logged?["faults"] as? [String] == ["latency#\(id)"])
            let outside = harness.logs.events("request").first { $0["path"] as? String == "/" }
            #expect(outside != nil && outside?["faults"] == nil, "/ is outside the route glob: \(outside ?? [:])")
        }
    }

    @Test("error answers its status on matching routes, at its probability, and shows in the metrics")
    func error() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await ServiceHarness.activate(
                #"{"type":"error","status":503,"probability":0.3,"route":"/api/notes"}"#, on: client)
            var failures = 0
            for _ in 0..<400 {
                let response = try await client.execute(uri: "/api/notes", method: .get)
                if response.status == .serviceUnavailable {
                    failures += 1
                    #expect(response.errorMessage == "Service Unavailable")
                } else {
                    #expect(response.status == .ok)
                }
            }
            #expect((70...170).contains(failures), "about 30 % of 400: \(failures)")  // ±5 standard deviations
            #expect(
                try await client.execute(uri: "/api/notes/1", method: .get).status == .notFound,
                "not matched by the glob")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(
                sample(metrics, "http_requests_total", #"method="GET",route="/api/notes",status="503""#)
                    == Double(failures))
            #expect(
                sample(metrics, "http_request_duration_seconds_count", #"method="GET",route="/api/notes",status="503""#)
                    == Double(failures))
            #expect(sample(metrics, "app_faults_injected_total", #"type="error""#) == Double(failures))
        }
    }

    @Test("A fault with the default route spares health, metrics and admin; no route ever blocks admin")
    func defaultRoute() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await ServiceHarness.activate(#"{"type":"error"}"#, on: client)
            try await ServiceHarness.activate(#"{"type":"error","status":502,"route":"/*"}"#, on: client)
            #expect(try await client.execute(uri: "/", method: .get).status == .internalServerError)
            #expect(
                try await client.execute(uri: "/api/notes", method: .get).status == .internalServerError,
                "the oldest fault decides")
            #expect(
                try await client.execute(uri: "/readyz", method: .get).status == .badGateway,
                "only the explicit glob covers /readyz")
            let admin = try await client.execute(
                uri: "/admin/faults", method: .get, headers: ServiceHarness.adminHeaders)
            #expect(admin.status == .ok)
            #expect(
                try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)
                    .status == .ok)
            #expect(try await client.execute(uri: "/", method: .get).status == .ok)
        }
    }

    @Test("abort closes the connection with no answer; it counts as status 599 and logs 599 with aborted: true")
    func abort() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await ServiceHarness.activate(#"{"type":"abort","route":"/api/*"}"#, on: client)
            // The router test client turns the thrown abort into a 500; LiveAppTests sees the real closed socket.
            _ = try await client.execute(uri: "/api/notes", method: .get)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(metrics, "http_requests_total", #"method="GET",route="/api/notes",status="599""#) == 1)
            #expect(sample(metrics, "app_faults_injected_total", #"type="abort""#) == 1)
        }
        let line = harness.logs.events("request").first { $0["path"] as? String == "/api/notes" }
        #expect(line?["status"] as? Int == 599, "always a number")
        #expect(line?["aborted"] as? Bool == true)
    }

    @Test("hang holds a request for max_s, then answers 503; draining ends it early")
    func hang() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await ServiceHarness.activate(#"{"type":"hang","max_s":0.4,"route":"/api/*"}"#, on: client)
            let clock = ContinuousClock()
            var start = clock.now
            #expect(try await client.execute(uri: "/api/notes", method: .get).status == .serviceUnavailable)
            let held = clock.now - start
            // The upper bound only tells "ended by itself" from "held for good": the test process shares two
            // cores with the whole suite, and a loaded run has stalled this request for 14 s.
            #expect(held >= .milliseconds(400) && held < .seconds(45), "\(held)")

            try await ServiceHarness.activate(#"{"type":"hang","max_s":60,"route":"/api/notes/*"}"#, on: client)
            start = clock.now
            async let hung = client.execute(uri: "/api/notes/1", method: .get)
            try await Task.sleep(for: .milliseconds(200))
            harness.service.state.lifecycle.beginDraining()
            #expect(try await hung.status == .serviceUnavailable)
            #expect(clock.now - start < .seconds(30), "a shutdown never waits for an injected 60 s hang")
        }
    }

    @Test("dependency_down fails store calls: the API and /readyz answer 503 until it is cleared")
    func dependencyDown() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let id = try await ServiceHarness.activate(#"{"type":"dependency_down"}"#, on: client)
            let write = try await client.execute(
                uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"lost?"}"#))
            #expect(write.status == .serviceUnavailable)
            #expect(write.errorMessage == "data store unavailable")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.object["reason"] as? String == "data store: unavailable (fault dependency_down#\(id))")
            #expect(try await client.execute(uri: "/livez", method: .get).status == .ok, "the process itself is alive")

            #expect(
                try await client.execute(
                    uri: "/admin/faults/\(id)", method: .delete, headers: ServiceHarness.adminHeaders
                ).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let notes = try await client.execute(uri: "/api/notes", method: .get).object["notes"] as? [Any]
            #expect(notes?.count == 0, "the failed write stored nothing")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(metrics, "app_faults_injected_total", #"type="dependency_down""#) == 2)
        }
        let line = harness.logs.events("request").first {
            $0["method"] as? String == "POST" && $0["path"] as? String == "/api/notes"
        }
        #expect(line?["faults"] as? [String] == ["dependency_down#1"])
    }

    @Test("not_ready fails /readyz and not_live fails /livez, each alone")
    func probes() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let notReady = try await ServiceHarness.activate(#"{"type":"not_ready"}"#, on: client)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.object["reason"] as? String == "fault not_ready#\(notReady)")
            #expect(try await client.execute(uri: "/livez", method: .get).status == .ok)
            _ = try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)

            let notLive = try await ServiceHarness.activate(#"{"type":"not_live"}"#, on: client)
            let live = try await client.execute(uri: "/livez", method: .get)
            #expect(live.status == .serviceUnavailable)
            #expect(live.object["reason"] as? String == "fault not_live#\(notLive)")
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test(
        "crash, memory_leak and cpu_burn are listed while in force and stop when cleared; a crash counts when it fires")
    func processFaults() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            for body in [
                #"{"type":"crash","exit_code":3,"delay_s":3600}"#, #"{"type":"memory_leak","mb_per_s":8,"max_mb":4}"#,
                #"{"type":"cpu_burn","threads":1}"#,
            ] {
                try await ServiceHarness.activate(body, on: client)
            }
            let active = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for type in ["crash", "memory_leak", "cpu_burn"] {
                #expect(sample(active, "app_faults_active", #"type="\#(type)""#) == 1)
            }
            #expect(sample(active, "app_faults_injected_total", #"type="memory_leak""#) == 1, "leaks act at once")
            #expect(sample(active, "app_faults_injected_total", #"type="cpu_burn""#) == 1, "so do burns")
            #expect(
                try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)
                    .status == .ok)
            let cleared = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for type in ["crash", "memory_leak", "cpu_burn"] {
                #expect(sample(cleared, "app_faults_active", #"type="\#(type)""#) == 0)
            }
            #expect(
                sample(cleared, "app_faults_injected_total", #"type="crash""#) == 0,
                "a crash cleared before it fired never acted")
        }
    }
}
