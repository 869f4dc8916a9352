import Foundation
import TestSupport
import Testing

/// `incident-serve` as a user starts it: what it says when it cannot start.
struct ServeCommandTests {
    static let binary = builtProduct("incident-serve", override: "INCIDENT_SERVE_BINARY")

    func serve(_ arguments: [String], token: String = "t0ken") async throws -> (
        status: Int32, output: String, errors: String
    ) {
        let directory = try TemporaryDirectory()
        return try await runProcess(
            Self.binary.path, arguments + ["--db", directory.path("incidents.db")],
            environment: ["PATH": "/usr/bin:/bin", "INCIDENT_SERVE_TOKEN": token, "HOME": directory.url.path])
    }

    /// The system's reason as a sentence with the address, from errno, never the socket library's text.
    @Test func aPortInUseIs69NamingTheAddressAndTheFlag() async throws {
        let (descriptor, port) = try loopbackSocket(listening: true)
        defer { close(descriptor) }
        let result = try await serve(["--listen", "127.0.0.1:\(port)"])
        #expect(result.status == 69, "\(result.errors)")
        #expect(
            result.errors.contains(
                "cannot listen on 127.0.0.1:\(port): Address already in use (another process holds it); "
                    + "choose another port with --listen"), "\(result.errors)")
        #expect(!result.errors.contains("errno"))
        let foreign = try await serve(["--listen", "192.0.2.1:9095"])
        #expect(
            foreign.status == 69
                && foreign.errors.contains(
                    "cannot listen on 192.0.2.1:9095: Cannot assign requested address; check --listen"),
            "\(foreign.errors)")
    }

    @Test func aMissingTokenIsAUsageError() async throws {
        let result = try await serve(["--listen", "127.0.0.1:0"], token: "")
        #expect(result.status == 64 && result.errors.contains("no token: set INCIDENT_SERVE_TOKEN"))
    }
}
