import Conventions
import Foundation
import LabHTTP
import TestSupport

/// A real Prometheus on a loopback port scraping, every second, a static exposition that the test rewrites:
/// counters whose every value it knows, served by Python's http.server. Both are stopped when released.
final class LivePrometheus: @unchecked Sendable {
    static let available = toolAvailable("prometheus") && toolAvailable("python3")

    let directory: TemporaryDirectory
    private var processes: [ChildProcess] = []
    private(set) var url = ""

    private init() throws {
        directory = try TemporaryDirectory()
    }

    /// Starts both, the counters at `good` and `bad` from the first scrape on, and waits until Prometheus is
    /// ready.
    static func start(good: Int, bad: Int) async throws -> LivePrometheus {
        let live = try LivePrometheus()
        try await live.start(good: good, bad: bad)
        return live
    }

    private func start(good: Int, bad: Int) async throws {
        try expose(good: good, bad: bad)
        let server = try start(
            "/usr/bin/env",
            ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path("www")],
            log: "server.log")
        var serverPort = 0
        for _ in 0..<100 where serverPort == 0 {
            let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
            if let range = log.range(of: " port ") {
                serverPort = Int(log[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            if serverPort == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard serverPort > 0, server.isRunning else { throw Failure("http.server did not start") }
        let config = """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: haproxy
                static_configs: [{targets: ['127.0.0.1:\(serverPort)']}]
            """
        try config.write(toFile: directory.path("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try freePort()
        url = "http://127.0.0.1:\(port)"
        _ = try start(
            "/usr/bin/env",
            [
                "prometheus", "--config.file=\(directory.path("prometheus.yml"))",
                "--storage.tsdb.path=\(directory.path("tsdb"))", "--web.listen-address=127.0.0.1:\(port)",
            ], log: "prometheus.log")
        for _ in 0..<300 {
            if (try? HTTPClient(timeout: .seconds(1)).send(HTTPRequest(), to: url + "/-/ready"))?.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(
            "prometheus did not get ready: \(try String(contentsOfFile: directory.path("prometheus.log"), encoding: .utf8))"
        )
    }

    deinit {
        for process in processes { process.killNow() }
    }

    /// Serves what the availability SLI reads, HAProxy's `haproxy_backend_http_responses_total` of the user
    /// backend `app` (job `haproxy`), with `good` answers 2xx and `bad` answers 5xx.
    func expose(good: Int, bad: Int) throws {
        try FileManager.default.createDirectory(atPath: directory.path("www"), withIntermediateDirectories: true)
        let text = """
            # HELP haproxy_backend_http_responses_total Total number of HTTP responses.
            # TYPE haproxy_backend_http_responses_total counter
            haproxy_backend_http_responses_total{proxy="app",code="2xx"} \(good)
            haproxy_backend_http_responses_total{proxy="app",code="5xx"} \(bad)

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path("www/metrics")), options: .atomic)
    }

    /// Waits until Prometheus has a sample of `query`.
    func waitForData(_ query: String) async throws {
        for _ in 0..<150 {
            let body = "query=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let answer = try? HTTPClient().send(
                HTTPRequest(
                    method: "POST", target: "/api/v1/query",
                    headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8)),
                to: url)
            if let text = answer?.text, text.contains("\"value\"") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("prometheus never scraped \(query)")
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess {
        let process = try ChildProcess(executable, arguments, output: directory.path(log))
        processes.append(process)
        return process
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// A TCP port nothing listens on now (the kernel's choice for a socket bound to port 0, closed again).
func freePort() throws -> Int {
    let (descriptor, port) = try loopbackSocket()
    close(descriptor)
    return port
}

/// A TCP socket bound to a loopback port of the kernel's choice, listening if asked, and that port.
func loopbackSocket(listening: Bool = false) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound, !listening || listen(descriptor, 1) == 0 else {
        close(descriptor)
        throw LivePrometheus.Failure("cannot bind a loopback port")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
