import Conventions
import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built `app` binary running on a loopback port chosen by the system, with its own data file and
/// its standard output (the JSON log) kept in a file.
final class LiveApp: @unchecked Sendable {
    static let binary = builtProduct("app", override: "APP_BINARY")
    static let token = "live-test-token-0123456789"

    let directory: TemporaryDirectory
    let process: ChildProcess
    let output: URL
    private(set) var port = 0

    /// Starts the service and waits until it listens. `environment` adds to or overrides the defaults.
    init(environment extra: [String: String] = [:]) async throws {
        directory = try TemporaryDirectory()
        output = directory.url.appendingPathComponent("stdout.log")
        var environment = [
            "PATH": "/usr/bin:/bin", "APP_PORT": "0", "APP_DATA": directory.path("app.db"),
            "APP_ADMIN_TOKEN": Self.token, "APP_DRAIN_DELAY_S": "1",
        ]
        environment.merge(extra) { $1 }
        process = try ChildProcess(Self.binary.path, [], environment: environment, output: output.path)
        port = try await waitForPort()
    }

    deinit {
        process.killNow()
    }

    private func waitForPort() async throws -> Int {
        for _ in 0..<400 {
            if let port = logLines.first(where: { $0["message"] as? String == "listening" })?["port"] as? Int {
                return port
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LiveAppError(description: "app did not start listening; its log:\n\(log)")
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// The log lines parsed as JSON objects; a line that is not one becomes `["unparsed": line]`.
    var logLines: [[String: Any]] {
        log.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? ["unparsed": String(line)]
        }
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One HTTP request on a new connection.
    func request(
        _ path: String, method: String = "GET", body: String? = nil, admin: Bool = false,
        headers: [String: String] = [:], timeout: TimeInterval = 15
    ) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if admin { request.setValue("Bearer \(Self.token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        let headers = http.allHeaderFields.reduce(into: [String: String]()) { $0["\($1.key)"] = "\($1.value)" }
        return Answer(status: http.statusCode, headers: headers, body: data)
    }

    /// Activates a fault through the admin API and returns its id.
    @discardableResult
    func activate(_ json: String) async throws -> Int {
        let answer = try await request("/admin/faults", method: "POST", body: json, admin: true)
        #expect(answer.status == 201, "\(json): \(answer.text)")
        return try #require(answer.object["id"] as? Int)
    }

    /// The value of one unlabelled sample of `/metrics`.
    func metric(_ name: String) async throws -> Double {
        let exposition = try await request("/metrics").text
        return try #require(sample(exposition, name), "\(name) in /metrics")
    }

    /// How many sockets the process holds, its listening socket included.
    var openSockets: Int {
        let directory = "/proc/\(process.processIdentifier)/fd"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return descriptors.count { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"))?.hasPrefix("socket:")
                == true
        }
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status once the process ends, nil if it still runs after `timeout`.
    func exitStatus(within timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

struct LiveAppError: Error, CustomStringConvertible {
    let description: String
}

/// A plain TCP connection to the app, for what URLSession cannot do: malformed requests, slow, idle and
/// half-closed clients. Closed when released.
final class RawConnection {
    private let socket: Int32

    init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard socket >= 0, connected == 0 else {
            throw LiveAppError(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Sends `text` as it is; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            == bytes.count
    }

    /// Ends the client's side, as a client does that has sent all it means to send.
    func shutdownOutput() {
        shutdown(socket, Int32(SHUT_WR))
    }

    /// What arrives until the server closes the connection (`closed`) or `timeout` passes. It polls without
    /// blocking and sleeps between polls: a blocked thread of the test process's small cooperative pool would
    /// stall every other test running beside this one.
    func receive(for timeout: Duration) async -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else {
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += buffer[..<count]
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}
