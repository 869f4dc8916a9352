import Conventions
import FaultCatalog
import FaultLab
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Admin API")
struct AdminTests {
    static let body = ByteBuffer(string: #"{"type":"error"}"#)

    @Test("Without an admin token, or with fault injection off, every admin path answers 404")
    func hiddenWithoutToken() async throws {
        for harness in [try ServiceHarness(adminToken: nil), try ServiceHarness(faultInjection: false)] {
            try await harness.test { client in
                for (uri, method) in [
                    ("/admin/faults", HTTPRequest.Method.post), ("/admin/faults", .get), ("/admin/faults/1", .delete),
                ] {
                    let response = try await client.execute(
                        uri: uri, method: method, headers: ServiceHarness.adminHeaders, body: Self.body)
                    #expect(response.status == .notFound, "\(method) \(uri)")
                }
            }
            #expect(harness.service.state.faults.active.isEmpty)
        }
    }

    @Test("A blank admin token, or one a header cannot carry, is refused at start-up; an empty one turns /admin off")
    func refusesBlankTokens() throws {
        for token in [" ", "\t", "  \n", "secret ", " secret", "sec ret", "sécret"] {
            #expect(throws: ConfigurationError.self, "\(token.debugDescription)") {
                try AppConfiguration(environment: ["APP_ADMIN_TOKEN": token])
            }
        }
        #expect(try AppConfiguration(environment: ["APP_ADMIN_TOKEN": ""]).adminToken == nil)
        #expect(try AppConfiguration(environment: ["APP_ADMIN_TOKEN": "a-b_c.d~e+f/g="]).adminToken == "a-b_c.d~e+f/g=")
    }

    @Test("A missing, malformed or wrong token gets 401 and changes nothing")
    func refusesWrongTokens() async throws {
        let harness = try ServiceHarness()
        let token = ServiceHarness.token
        let wrong: [HTTPFields] = [
            [:], [.authorization: token], [.authorization: "Basic \(token)"], [.authorization: "Bearer "],
            [.authorization: "Bearer \(token)x"], [.authorization: "Bearer \(token.dropLast())"],
            [.authorization: "Bearertoken \(token)"], [.authorization: "Bearer\t\(token)"],
        ]
        try await harness.test { client in
            for headers in wrong {
                let response = try await client.execute(
                    uri: "/admin/faults", method: .post, headers: headers, body: Self.body)
                #expect(response.status == .unauthorized, "\(headers)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(response.errorMessage.contains("Authorization: Bearer"))
            }
        }
        #expect(harness.service.state.faults.active.isEmpty)
    }

    @Test("The Bearer scheme is matched in any case, and one or more spaces may follow it (RFC 9110)")
    func bearerSchemeAnyCase() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            for scheme in ["Bearer ", "bearer ", "BEARER ", "bEaReR   "] {
                let response = try await client.execute(
                    uri: "/admin/faults", method: .get, headers: [.authorization: scheme + ServiceHarness.token])
                #expect(response.status == .ok, "\(scheme)")
            }
        }
        #expect(BearerCredentials.token(in: "Bearer") == nil)
        #expect(BearerCredentials.token(in: "Basic abc") == nil)
        #expect(BearerCredentials.token(in: "bearer a.b~c") == Array("a.b~c".utf8))
    }

    @Test("Constant-time comparison agrees with ==")
    func constantTimeEqual() {
        let cases = [("", ""), ("a", ""), ("abc", "abc"), ("abc", "abd"), ("abc", "abcd"), ("xbc", "abc")]
        for (a, b) in cases {
            #expect(BearerCredentials.constantTimeEqual(Array(a.utf8), Array(b.utf8)) == (a == b), "\(a) \(b)")
        }
    }

    @Test(
        "Bad fault requests get 400 with a message naming the field",
        arguments: [
            (#"[1,2]"#, "a fault must be a JSON object"),
            (#"{"type":{"nested":1}}"#, "a fault must be a JSON object"),
            (
                #"{}"#,
                "field 'type' is required; one of: latency, error, abort, hang, crash, memory_leak, cpu_burn, dependency_down, not_ready, not_live"
            ),
            (#"{"type":"explode"}"#, "field 'type': unknown fault type 'explode'"),
            (#"{"type":7}"#, "field 'type' must be a string"),
            (#"{"type":"latency"}"#, "field 'ms' is required"),
            (#"{"type":"latency","ms":"500"}"#, "field 'ms' must be a number"),
            (#"{"type":"latency","ms":36000000}"#, "field 'ms' is 36000000; it must be between 0 and 60000"),
            (#"{"type":"latency","ms":1.5}"#, "field 'ms' must be a whole number"),
            (
                #"{"type":"latency","ms":10,"msx":3}"#,
                "field 'msx' does not apply to a latency fault; it takes: type, ms, jitter_ms, probability, route, duration_s"
            ),
            (#"{"type":"error","status":200}"#, "field 'status' is 200; it must be between 400 and 599"),
            (#"{"type":"error","probability":1.5}"#, "field 'probability' is 1.5; it must be between 0 and 1"),
            (#"{"type":"error","route":"api/*"}"#, "field 'route' must be a path glob starting with '/'"),
            (#"{"type":"error","duration_s":0}"#, "field 'duration_s' is 0; it must be between 0.001 and 86400"),
            (#"{"type":"error","duration_s":864000}"#, "field 'duration_s' is 864000"),
            (#"{"type":"hang","max_s":3600}"#, "field 'max_s' is 3600; it must be between 0.001 and 300"),
            (#"{"type":"crash","exit_code":256}"#, "field 'exit_code' is 256; it must be between 0 and 255"),
            (#"{"type":"crash","route":"/api/*"}"#, "field 'route' does not apply to a crash fault"),
            (#"{"type":"crash","probability":0.5}"#, "field 'probability' does not apply to a crash fault"),
            (#"{"type":"memory_leak","max_mb":102400}"#, "field 'max_mb' is 102400; it must be between 1 and 4096"),
            (#"{"type":"memory_leak","mb_per_s":0}"#, "field 'mb_per_s' is 0; it must be between 1 and 1024"),
            (#"{"type":"cpu_burn","threads":1000}"#, "field 'threads' is 1000; it must be between 1 and 32"),
            (#"{"type":"not_ready","route":"/readyz"}"#, "field 'route' does not apply to a not_ready fault"),
            (#"{"type":"kill","replica":1}"#, "kill is a fault from outside the app: the lab's keeper plays it"),
            (#"{"type":"db_down"}"#, "db_down is a fault from outside the app"),
        ])
    func refusesBadFaults(body: String, message: String) async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let response = try await client.execute(
                uri: "/admin/faults", method: .post, headers: ServiceHarness.adminHeaders,
                body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.hasPrefix(message), "\(response.errorMessage)")
        }
        #expect(harness.service.state.faults.active.isEmpty)
    }

    @Test("Faults are listed with their parameters, cleared one by one or all, and expire by themselves")
    func lifecycle() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let headers = ServiceHarness.adminHeaders
            let first = try await ServiceHarness.activate(
                #"{"type":"error","status":503,"probability":0.5,"route":"/api/*","duration_s":120}"#, on: client)
            let second = try await ServiceHarness.activate(#"{"type":"latency","ms":5,"jitter_ms":2}"#, on: client)
            let third = try await ServiceHarness.activate(#"{"type":"not_ready","probability":0.25}"#, on: client)

            let listed = try await client.execute(uri: "/admin/faults", method: .get, headers: headers)
            let faults = try #require(listed.object["faults"] as? [[String: Any]])
            #expect(faults.compactMap { $0["id"] as? Int } == [first, second, third])
            let error = faults[0]
            #expect(error["type"] as? String == "error")
            #expect(error["status"] as? Int == 503)
            #expect(error["probability"] as? Double == 0.5)
            #expect(error["route"] as? String == "/api/*")
            #expect(error["duration_s"] as? Int == 120)
            let activated = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(
                try #require(error["activated_at"] as? String))
            let expires = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(
                try #require(error["expires_at"] as? String))
            #expect(abs(expires.timeIntervalSince(activated) - 120) < 0.002)
            #expect(faults[1]["route"] is NSNull, "latency: every route but health, metrics and admin")
            #expect(faults[1]["jitter_ms"] as? Int == 2)
            #expect(faults[2]["route"] == nil && faults[2]["probability"] as? Double == 0.25)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(metrics, "app_faults_active", #"type="error""#) == 1)

            let cleared = try await client.execute(uri: "/admin/faults/\(first)", method: .delete, headers: headers)
            #expect(cleared.status == .ok)
            #expect(cleared.object["id"] as? Int == first)
            let again = try await client.execute(uri: "/admin/faults/\(first)", method: .delete, headers: headers)
            #expect(again.status == .notFound)
            #expect(again.errorMessage.contains("no fault \(first) is in force"))

            let all = try await client.execute(uri: "/admin/faults", method: .delete, headers: headers)
            #expect((all.object["faults"] as? [Any])?.count == 2)
            #expect(harness.service.state.faults.active.isEmpty)

            let short = try await ServiceHarness.activate(#"{"type":"error","duration_s":0.2}"#, on: client)
            // A loaded machine may run the expiry late: wait for it, up to 10 s.
            for _ in 0..<100 where !harness.service.state.faults.active.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(harness.service.state.faults.active.isEmpty, "expired after 0.2 s")
            let afterExpiry = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(afterExpiry, "app_faults_active", #"type="error""#) == 0)
            let expired = harness.logs.events("fault expired")
            #expect(expired.compactMap { $0["fault_id"] as? Int } == [short])
        }
        #expect(harness.logs.events("fault activated").count == 4)
        #expect(harness.logs.events("fault cleared").compactMap { $0["fault_id"] as? Int }.sorted() == [1, 2, 3])
        let activation = try #require(harness.logs.events("fault activated").first)
        #expect(activation["fault_type"] as? String == "error")
        #expect(activation["route"] as? String == "/api/*")
        #expect(activation["status"] as? Double == 503)
        let line = try #require(harness.logs.text.first { $0.contains(#""message":"fault activated""#) })
        #expect(line.contains(#""status":503}"#) && line.contains(#""duration_s":120,"#), "\(line)")
        #expect(line.contains(#""probability":0.5,"#), "fractions stay fractions: \(line)")
        #expect(activation["level"] as? String == "notice")
    }

    @Test("Faults stack only up to the caps: 409 names the cap and the setting that raises it")
    func caps() async throws {
        let harness = try ServiceHarness(environment: [
            "APP_MAX_FAULTS": "4", "APP_MAX_LEAK_MB": "10", "APP_MAX_BURN_THREADS": "3",
        ])
        try await harness.test { client in
            func refusal(_ json: String) async throws -> String {
                let response = try await client.execute(
                    uri: "/admin/faults", method: .post, headers: ServiceHarness.adminHeaders,
                    body: ByteBuffer(string: json))
                #expect(response.status == .conflict, "\(json)")
                return response.errorMessage
            }
            try await ServiceHarness.activate(#"{"type":"memory_leak","mb_per_s":1,"max_mb":6}"#, on: client)
            #expect(
                try await refusal(#"{"type":"memory_leak","mb_per_s":1,"max_mb":5}"#)
                    == "memory_leak faults would hold up to 11 MB together, over the 10 MB APP_MAX_LEAK_MB allows; "
                    + "clear a leak, lower max_mb, or raise APP_MAX_LEAK_MB")
            try await ServiceHarness.activate(#"{"type":"memory_leak","mb_per_s":1,"max_mb":4}"#, on: client)
            try await ServiceHarness.activate(#"{"type":"cpu_burn","threads":2}"#, on: client)
            #expect(
                try await refusal(#"{"type":"cpu_burn","threads":2}"#)
                    == "cpu_burn faults would spin 4 threads together, over the 3 APP_MAX_BURN_THREADS allows; "
                    + "clear a burn, lower threads, or raise APP_MAX_BURN_THREADS")
            try await ServiceHarness.activate(#"{"type":"cpu_burn","threads":1}"#, on: client)
            #expect(
                try await refusal(#"{"type":"error"}"#)
                    == "4 faults are in force, the most APP_MAX_FAULTS allows; clear one first, or raise APP_MAX_FAULTS"
            )
            let listed = try await client.execute(
                uri: "/admin/faults", method: .get, headers: ServiceHarness.adminHeaders)
            #expect((listed.object["faults"] as? [Any])?.count == 4, "a refusal changes nothing")
            _ = try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)
            try await ServiceHarness.activate(#"{"type":"cpu_burn","threads":3,"duration_s":0.1}"#, on: client)
        }
    }

    @Test("By default at most 100 faults, 512 MB of leaks and 32 burning threads are in force together")
    func defaultCaps() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            for _ in 1...100 {
                try await ServiceHarness.activate(#"{"type":"latency","ms":0}"#, on: client)
            }
            let refused = try await client.execute(
                uri: "/admin/faults", method: .post, headers: ServiceHarness.adminHeaders,
                body: ByteBuffer(string: #"{"type":"latency","ms":0}"#))
            #expect(refused.status == .conflict)
            #expect(refused.errorMessage.hasPrefix("100 faults are in force"))
        }
        let caps = harness.service.state.configuration.faultCaps
        #expect(caps.faults == 100 && caps.leakMegabytes == 512 && caps.burnThreads == 32)
    }

    @Test("APP_FAULTS puts faults in force at start-up and refuses bad ones before anything starts")
    func startupFaults() throws {
        let configuration = try AppConfiguration(environment: [
            "APP_FAULTS": #"[{"type":"latency","ms":100},{"type":"error","status":502,"route":"/api/*"}]"#
        ])
        #expect(
            configuration.startupFaults.map(\.action) == [
                .latency(milliseconds: 100, jitterMilliseconds: 0), .error(status: 502),
            ])
        let refusals = [
            (#"[{"type":"latency","ms":100},{"type":"error","status":99}]"#, "APP_FAULTS[1]: field 'status' is 99"),
            (#"{"type":"error"}"#, "APP_FAULTS must be a JSON list of fault objects"),
            (#"[{"type":"error"},{"type":"pause"}]"#, "APP_FAULTS[1]: pause is a fault from outside the app"),
            (
                #"[{"type":"memory_leak","max_mb":300},{"type":"memory_leak","max_mb":300}]"#,
                "APP_FAULTS[1]: memory_leak faults would hold up to 600 MB together, over the 512 MB APP_MAX_LEAK_MB"
            ),
            (#"[{"type":"error"},{"type":"abort"},{"type":"hang"}]"#, "APP_FAULTS[2]: 2 faults are in force"),
        ]
        for (json, message) in refusals {
            #expect {
                try AppConfiguration(environment: ["APP_FAULTS": json, "APP_MAX_FAULTS": "2"])
            } throws: { error in
                (error as? ConfigurationError)?.description.hasPrefix(message) == true
            }
        }
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(environment: ["APP_FAULTS": #"[{"type":"error"}]"#, "APP_FAULT_INJECTION": "off"])
        }
    }
}
