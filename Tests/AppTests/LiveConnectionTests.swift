import Foundation
import Testing

/// How the live service treats connections: timeouts for slow and idle clients, and the end of connections
/// that cannot go on. In the serialized live suite, so that the timings do not compete for the cores.
extension LiveAppTests {
    @Test("A request head that never completes, or never starts, is cut off after APP_HEADER_TIMEOUT_S")
    func headerTimeout() async throws {
        let app = try await LiveApp(environment: ["APP_HEADER_TIMEOUT_S": "0.5", "APP_IDLE_TIMEOUT_S": "30"])
        let silent = try RawConnection(port: app.port)
        let slow = try RawConnection(port: app.port)
        slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
        let start = ContinuousClock.now
        var closed = false
        while !closed, ContinuousClock.now - start < .seconds(5) {  // slowloris: a header line every 100 ms
            let sent = slow.send("X-Slow: 1\r\n")
            closed = sent ? await slow.receive(for: .milliseconds(100)).closed : true
        }
        #expect(
            closed && ContinuousClock.now - start < .seconds(3), "slowloris held on for \(ContinuousClock.now - start)")
        #expect(await silent.receive(for: .seconds(3)).closed, "a connection that never sends a byte")

        // Between requests, the idle timeout rules; the deadline starts again with the next request's first byte.
        let kept = try RawConnection(port: app.port)
        kept.send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        let idle = await kept.receive(for: .seconds(1.5))
        #expect(idle.text.hasPrefix("HTTP/1.1 200") && !idle.closed, "kept alive past the header timeout")
        kept.send("GET /livez HTTP/1.1\r\n")
        #expect(await kept.receive(for: .seconds(3)).closed, "a second head that never completes")
    }

    @Test("A connection idle between requests, or stalled in a request body, is closed after APP_IDLE_TIMEOUT_S")
    func idleTimeout() async throws {
        let app = try await LiveApp(environment: ["APP_IDLE_TIMEOUT_S": "1", "APP_HEADER_TIMEOUT_S": "30"])
        let connection = try RawConnection(port: app.port)
        connection.send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        let start = ContinuousClock.now
        let answer = await connection.receive(for: .seconds(5))
        #expect(answer.text.hasPrefix("HTTP/1.1 200"))
        #expect(answer.closed)
        #expect(ContinuousClock.now - start > .milliseconds(800), "not before the idle timeout")

        let stalled = try RawConnection(port: app.port)
        stalled.send("POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"text\":")
        #expect(await stalled.receive(for: .seconds(5)).closed, "a body that stops arriving")

        // An answer in the making is not idleness: a 2 s latency outlives the 1 s timeout.
        try await app.activate(#"{"type":"latency","ms":2000,"route":"/api/*"}"#)
        let slow = try RawConnection(port: app.port)
        slow.send("GET /api/notes HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await slow.receive(for: .seconds(5)).text.hasPrefix("HTTP/1.1 200"))
    }

    @Test("On SIGTERM, idle kept-alive connections close at once and a request in progress gets its answer")
    func shutdownClosesConnections() async throws {
        let app = try await LiveApp(environment: ["APP_DRAIN_DELAY_S": "0"])
        try await app.activate(#"{"type":"latency","ms":1000,"route":"/api/*"}"#)
        let idle = try RawConnection(port: app.port)
        idle.send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await idle.receive(for: .milliseconds(500)).text.hasPrefix("HTTP/1.1 200"))
        let busy = try RawConnection(port: app.port)
        busy.send("GET /api/notes HTTP/1.1\r\nHost: x\r\n\r\n")
        try await Task.sleep(for: .milliseconds(200))
        app.signal(SIGTERM)
        let answer = await busy.receive(for: .seconds(5))
        #expect(answer.text.hasPrefix("HTTP/1.1 200") && answer.closed, "answered, then closed")
        #expect(await idle.receive(for: .seconds(2)).closed)
        #expect(try await app.exitStatus(within: .seconds(5)) == 0)
    }

    @Test("After a 413 or a request it cannot parse, the server closes the connection even if the client never does")
    func closesAfterFinalAnswers() async throws {
        let app = try await LiveApp()
        let socketsBefore = app.openSockets
        let body = String(repeating: "x", count: 70_000)
        let requests = [
            // The body is never read to its end: 70,000 of 100,000 bytes, then the client waits.
            "POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n\(body)",
            "POST /api/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 70000\r\n\r\n\(body)",
            "NOT HTTP AT ALL\r\n\r\n",
        ]
        var connections: [RawConnection] = []  // kept open: these clients never close
        for request in requests {
            let connection = try RawConnection(port: app.port)
            connection.send(request)
            let answer = await connection.receive(for: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 413") || answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
            #expect(answer.text.contains("Connection: close"), "\(answer.text.prefix(200))")
            #expect(answer.closed, "the client reads the answer, then the end of the connection")
            connections.append(connection)
        }
        try await Task.sleep(for: .seconds(2))  // the linger after a final answer is 1 s
        #expect(app.openSockets == socketsBefore, "the app holds no socket for clients that never close")
        #expect(connections.count == requests.count)
    }
}

extension LiveAppTests {
    @Test(
        "A malformed chunked body or an unknown transfer coding gets 400, not 500, and counts as a client error",
        arguments: [
            "POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        ])
    func malformedBody(request: String) async throws {
        let app = try await LiveApp()
        let connection = try RawConnection(port: app.port)
        connection.send(request)
        let answer = await connection.receive(for: .seconds(5))
        #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
        #expect(answer.text.contains(#"{"error":{"message":"malformed request body ("#))
        #expect(answer.text.contains("Connection: close") && answer.closed, "nothing after it can be read")
        let exposition = try await app.request("/metrics").text
        #expect(sample(exposition, "http_requests_total", #"method="POST",route="/api/notes",status="400""#) == 1)
        #expect(!exposition.contains(#"status="5"#), "no 5xx series: alerts read them as server errors")
    }
}

extension LiveAppTests {
    @Test("HEAD /livez and /readyz answer 200 with no body; pipelined, Connection: close ends only its own exchange")
    func headOnTheWire() async throws {
        let app = try await LiveApp()
        let connection = try RawConnection(port: app.port)
        connection.send(
            "HEAD /livez HTTP/1.1\r\nHost: x\r\n\r\nHEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let answers = await connection.receive(for: .seconds(5))
        #expect(answers.closed)
        let parts = answers.text.components(separatedBy: "HTTP/1.1 ")
        #expect(parts.count == 4, "three answers: \(answers.text)")
        #expect(parts.dropFirst().allSatisfy { $0.hasPrefix("200 OK\r\n") })
        #expect(parts[1].hasSuffix("\r\n\r\n") && parts[2].hasSuffix("\r\n\r\n"), "no body after a HEAD answer")
        #expect(parts[3].hasSuffix(#"{"status":"live"}"#))
    }
}
