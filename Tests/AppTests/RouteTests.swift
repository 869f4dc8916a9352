import FaultCatalog
import FaultLab
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Routes")
struct RouteTests {
    @Test("GET / names the service, its version and uptime")
    func info() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.object["name"] as? String == "app")
            #expect(response.object["version"] as? String == AppVersion.current)
            let uptime = try #require(response.object["uptime_s"] as? Double)
            #expect(uptime >= 0 && uptime < 60)
            #expect(response.object["started_at"] is String)
        }
    }

    @Test("A release stamps its version, and its defects break only what they name, for good")
    func releaseVersionAndDefects() async throws {
        let harness = try ServiceHarness(
            environment: ["APP_VERSION": "0.2.0-canary+7", "APP_DEFECTS": "list_notes_500, slow_writes"])
        try await harness.test { client in
            #expect(try await client.execute(uri: "/", method: .get).object["version"] as? String == "0.2.0-canary+7")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"app_build_info{version="0.2.0-canary+7""#))
            let started = ContinuousClock.now
            let created = try await client.execute(
                uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"slow"}"#))
            #expect(created.status == .created && ContinuousClock.now - started >= .milliseconds(300))
            #expect(try await client.execute(uri: "/api/notes/1", method: .get).status == .ok)
            let listed = try await client.execute(uri: "/api/notes", method: .get)
            #expect(listed.status == .internalServerError)
            #expect(listed.errorMessage == "listing notes failed (release defect list_notes_500)")
            let admin = try await client.execute(
                uri: "/admin/faults", method: .get, headers: ServiceHarness.adminHeaders)
            #expect(admin.status == .ok && (admin.object["faults"] as? [Any])?.isEmpty == true, "not a fault")
        }
        for (name, value, words) in [
            ("APP_VERSION", "1.0 beta", "APP_VERSION is '1.0 beta'"),
            ("APP_VERSION", "", "APP_VERSION is ''"),
            ("APP_DEFECTS", "slow", "APP_DEFECTS names 'slow'; use list_notes_500, slow_writes"),
        ] {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(environment: [name: value]) }
            do {
                _ = try AppConfiguration(environment: [name: value])
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    @Test("/livez answers 200; /readyz answers 503 while starting or draining, 200 while serving")
    func probes() async throws {
        let harness = try ServiceHarness(serving: false)
        try await harness.test { client in
            #expect(try await client.execute(uri: "/livez", method: .get).status == .ok)
            let starting = try await client.execute(uri: "/readyz", method: .get)
            #expect(starting.status == .serviceUnavailable)
            #expect(starting.object["reason"] as? String == "starting")
            harness.service.state.lifecycle.markServing()
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.object["status"] as? String == "ready")
            harness.service.state.lifecycle.beginDraining()
            let draining = try await client.execute(uri: "/readyz", method: .get)
            #expect(draining.status == .serviceUnavailable)
            #expect(draining.object["reason"] as? String == "draining")
            #expect(try await client.execute(uri: "/livez", method: .get).status == .ok)
        }
    }

    @Test("Notes: create, get, list newest first with a limit, and clear refusals")
    func notes() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            for text in ["first", "second", "ünïcødé \"quoted\" 🚀"] {
                let created = try await client.execute(
                    uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":\#(try jsonString(text))}"#))
                #expect(created.status == .created)
                let id = try #require(created.object["id"] as? Int)
                #expect(created.headers[.location] == "/api/notes/\(id)")
                #expect(created.object["text"] as? String == text)
            }
            let second = try await client.execute(uri: "/api/notes/2", method: .get)
            #expect(second.status == .ok)
            #expect(second.object["text"] as? String == "second")

            let listed = try await client.execute(uri: "/api/notes?limit=2", method: .get)
            let notes = try #require(listed.object["notes"] as? [[String: Any]])
            #expect(notes.compactMap { $0["id"] as? Int } == [3, 2])

            let missing = try await client.execute(uri: "/api/notes/99", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.errorMessage == "no note 99")

            let refusals: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                ("/api/notes", .post, #"{"text":""}"#, .badRequest),
                ("/api/notes", .post, "not json", .badRequest),
                ("/api/notes", .post, #"{"txt":"typo"}"#, .badRequest),
                ("/api/notes", .post, #"{"text":"\#(String(repeating: "x", count: 5000))"}"#, .badRequest),
                ("/api/notes", .post, #"{"text":"\#(String(repeating: "x", count: 70_000))"}"#, .contentTooLarge),
                ("/api/notes?limit=0", .get, nil, .badRequest),
                ("/api/notes?limit=abc", .get, nil, .badRequest),
                ("/api/notes/abc", .get, nil, .badRequest),
                ("/nowhere", .get, nil, .notFound),
            ]
            for (uri, method, body, status) in refusals {
                let response = try await client.execute(
                    uri: uri, method: method, body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == status, "\(method) \(uri) \(body?.prefix(40) ?? "")")
            }
            for (body, message) in [
                (#"{"txt":"typo"}"#, #"field 'text' is required: send {"text":"…"}"#),
                (#"{"text":7}"#, "field 'text' must be a string"),
                (#"{"text":null}"#, "field 'text' must be a string"),
                ("not json", #"the body must be a JSON object such as {"text":"…"}"#),
                (#"["text"]"#, #"the body must be a JSON object such as {"text":"…"}"#),
            ] {
                let refused = try await client.execute(uri: "/api/notes", method: .post, body: ByteBuffer(string: body))
                #expect(refused.status == .badRequest)
                #expect(refused.errorMessage == message, "\(body)")
            }
            let count = try await client.execute(uri: "/api/notes", method: .get).object["notes"] as? [Any]
            #expect(count?.count == 3, "a refused request stores nothing")
        }
    }

    @Test("Unknown paths, hidden admin paths and oversized bodies get JSON errors too")
    func jsonErrors() async throws {
        for harness in [try ServiceHarness(), try ServiceHarness(adminToken: nil)] {
            try await harness.test { client in
                let nowhere = try await client.execute(uri: "/nowhere?x=1", method: .get)
                #expect(nowhere.status == .notFound)
                #expect(nowhere.errorMessage == "no route for GET /nowhere")
                let admin = try await client.execute(uri: "/admin/faults/1", method: .delete)
                let expected = harness.service.state.configuration.adminToken == nil ? 404 : 401
                #expect(admin.status.code == expected)
                #expect(!admin.errorMessage.isEmpty, "\(admin.status)")
                let oversized = try await client.execute(
                    uri: "/api/notes", method: .post,
                    body: ByteBuffer(string: #"{"text":"\#(String(repeating: "x", count: 70_000))"}"#))
                #expect(oversized.status == .contentTooLarge)
                #expect(oversized.errorMessage == "the request body is larger than this route accepts")
                #expect(oversized.headers[.connection] == "close")
            }
        }
    }

    @Test("JSON answers, errors included, say exactly application/json: RFC 8259 defines no charset")
    func jsonContentType() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let created = try await client.execute(
                uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"a"}"#))
            for response in [
                created, try await client.execute(uri: "/", method: .get),
                try await client.execute(uri: "/api/notes", method: .get),
                try await client.execute(uri: "/readyz", method: .get),
                try await client.execute(uri: "/api/notes/99", method: .get),
                try await client.execute(uri: "/nowhere", method: .get),
                try await client.execute(uri: "/admin/faults", method: .get),
            ] {
                #expect(response.headers[.contentType] == "application/json", "\(response.status)")
            }
        }
    }

    @Test("HEAD answers on every GET route with the GET answer's status and headers, and no body")
    func head() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            _ = try await client.execute(uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"a"}"#))
            for uri in ["/", "/livez", "/readyz", "/metrics", "/api/notes", "/api/notes/1", "/api/notes/9", "/nowhere"]
            {
                let get = try await client.execute(uri: uri, method: .get)
                let head = try await client.execute(uri: uri, method: .head)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.contentLength] != nil, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
            }
            let admin = try await client.execute(
                uri: "/admin/faults", method: .head, headers: ServiceHarness.adminHeaders)
            #expect(admin.status == .ok && admin.body.readableBytes == 0)
        }
        let logged = harness.logs.events("request").filter { $0["method"] as? String == "HEAD" }
        #expect(logged.first?["route"] as? String == "/")
    }

    @Test("Metrics: counts and durations by route template, never raw paths; promtool's names and help")
    func metrics() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            _ = try await client.execute(uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"a"}"#))
            for uri in ["/api/notes/1", "/api/notes/1", "/api/notes/7", "/nowhere"] {
                _ = try await client.execute(uri: uri, method: .get)
            }
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = String(buffer: response.body)
            #expect(sample(text, "http_requests_total", #"method="GET",route="/api/notes/{id}",status="200""#) == 2)
            #expect(sample(text, "http_requests_total", #"method="GET",route="/api/notes/{id}",status="404""#) == 1)
            #expect(sample(text, "http_requests_total", #"method="POST",route="/api/notes",status="201""#) == 1)
            #expect(sample(text, "http_requests_total", #"method="GET",route="NotFound",status="404""#) == 1)
            #expect(!text.contains("/api/notes/1\""), "raw paths would make a series per id")
            #expect(
                sample(
                    text, "http_request_duration_seconds_count", #"method="GET",route="/api/notes/{id}",status="200""#)
                    == 2)
            #expect(
                sample(
                    text, "http_request_duration_seconds_bucket",
                    #"method="GET",route="/api/notes/{id}",status="200",le="+Inf""#) == 2)
            #expect(sample(text, "http_requests_in_flight") == 0, "the scrape is operational traffic")
            #expect(sample(text, "app_build_info", #"version="\#(AppVersion.current)",swift="6.3""#) == 1)
            for type in FaultType.appCases {
                #expect(sample(text, "app_faults_active", #"type="\#(type.rawValue)""#) == 0)
                #expect(sample(text, "app_faults_injected_total", #"type="\#(type.rawValue)""#) == 0)
            }
            for name in [
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                "process_start_time_seconds",
            ] {
                #expect((sample(text, name) ?? 0) > 0, "\(name)")
            }
            for family in Set(
                text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
            {
                #expect(text.contains("# HELP \(family) "), "\(family) has help text")
            }
        }
    }

    @Test("X-Request-ID is kept and echoed when sane, replaced otherwise, and on the access log line")
    func requestIDs() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let kept = try await client.execute(
                uri: "/api/notes/1", method: .get, headers: [.requestID: "trace-abc-123"])
            #expect(kept.headers[.requestID] == "trace-abc-123")
            #expect(kept.status == .notFound, "error answers carry it too")
            for bad in ["has space", String(repeating: "a", count: 129), "tab\there"] {
                let replaced = try await client.execute(uri: "/", method: .get, headers: [.requestID: bad])
                let id = try #require(replaced.headers[.requestID])
                #expect(id != bad && id.count == 16)
            }
            let generated = try await client.execute(uri: "/", method: .get)
            #expect(generated.headers[.requestID]?.count == 16)
        }
        let requests = harness.logs.events("request")
        #expect(requests.count == 5)
        let first = try #require(requests.first)
        #expect(first["request_id"] as? String == "trace-abc-123")
        #expect(first["method"] as? String == "GET")
        #expect(first["route"] as? String == "/api/notes/{id}")
        #expect(first["path"] as? String == "/api/notes/1")
        #expect(first["status"] as? Int == 404)
        #expect(first["level"] as? String == "info")
        #expect((first["duration_s"] as? Double).map { $0 >= 0 && $0 < 60 } == true, "seconds, not milliseconds")
        let time = try #require(first["time"] as? String)
        #expect(
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(time)) != nil, "RFC 3339: \(time)")
        #expect(first["hb.request.id"] == nil)
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) throws -> String {
    String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
}
