import FaultCatalog
import FaultLab
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

/// The service's router on a temporary store, with its log lines captured, for router tests.
struct ServiceHarness {
    static let token = "router-test-token-0123456789"

    let directory: TemporaryDirectory
    let logs = LogCapture()
    let service: FaultLabApplication

    /// `environment` adds settings to those the arguments make.
    init(
        adminToken: String? = Self.token, faultInjection: Bool = true, serving: Bool = true,
        environment extra: [String: String] = [:]
    ) throws {
        directory = try TemporaryDirectory()
        var environment = ["APP_DATA": directory.path("app.db")]
        environment["APP_ADMIN_TOKEN"] = adminToken
        environment["APP_FAULT_INJECTION"] = faultInjection ? "on" : "off"
        environment.merge(extra) { $1 }
        let configuration = try AppConfiguration(environment: environment)
        let logs = self.logs
        let logger = Logger(label: "app") { _ in JSONLogHandler(level: .debug, write: logs.append) }
        service = try buildApplication(configuration, logger: logger)
        if serving { service.state.lifecycle.markServing() }
    }

    /// Runs `body` against the router, without a socket.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await service.application.test(.router) { client in try await body(client) }
    }

    /// Activates a fault through the admin API, as a user would, and returns its id.
    @discardableResult
    static func activate(_ json: String, on client: some TestClientProtocol) async throws -> Int {
        let response = try await client.execute(
            uri: "/admin/faults", method: .post, headers: adminHeaders, body: ByteBuffer(string: json))
        #expect(response.status == .created, "\(json): \(String(buffer: response.body))")
        return try #require(response.object["id"] as? Int)
    }

    static let adminHeaders: HTTPFields = [.authorization: "Bearer \(token)"]
}

/// Log lines handed to a `JSONLogHandler`, each parsed back as JSON.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    @Sendable func append(_ bytes: [UInt8]) {
        lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
    }

    var text: [String] { lines.withLock { $0 } }

    /// Every line as a JSON object; a line that is not one fails the test.
    var objects: [[String: Any]] {
        text.compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            #expect(line.hasSuffix("}\n"), "not one line: \(line)")
            return object
        }
    }

    /// The lines whose message is `message`.
    func events(_ message: String) -> [[String: Any]] {
        objects.filter { $0["message"] as? String == message }
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    /// `error.message` of an error answer.
    var errorMessage: String {
        ((object["error"] as? [String: Any])?["message"] as? String) ?? ""
    }
}

/// The value of the sample `name{labels}` in a Prometheus text exposition, nil when absent.
func sample(_ exposition: String, _ name: String, _ labels: String = "") -> Double? {
    let prefix = labels.isEmpty ? name + " " : "\(name){\(labels)} "
    return exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap {
        Double($0.dropFirst(prefix.count))
    }
}
