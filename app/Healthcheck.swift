import ArgumentParser
import Conventions
import Foundation
import LabHTTP

extension AppCommand {
    /// `app healthcheck`: asks a running service whether it is healthy, so a container image needs no curl.
    /// Exit 0 on a 2xx answer, 1 otherwise, as Docker's HEALTHCHECK expects.
    struct Healthcheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "healthcheck",
            abstract: "Exit 0 if the service answers 2xx, else 1 (for HEALTHCHECK).",
            discussion: "Without --url it asks http://127.0.0.1:$APP_PORT/readyz (port 8080 when APP_PORT is unset)."
        )

        @Option(help: "The http:// URL to ask.")
        var url: String?

        @Option(help: "Seconds to wait for the answer.")
        var timeout: Double = 3

        func run() throws {
            let port = ProcessInfo.processInfo.environment["APP_PORT"] ?? "8080"
            let target = url ?? "http://127.0.0.1:\(port)/readyz"
            let client = HTTPClient(timeout: .seconds(timeout), maxResponseBytes: 1 << 20, userAgent: "app-healthcheck")
            do {
                let status = try client.send(HTTPRequest(), to: target).status
                guard (200..<300).contains(status) else {
                    print("unhealthy: \(target) answered \(status)")
                    throw ExitCode.failure
                }
                print("healthy: \(target) answered \(status)")
            } catch let error as HTTPClientError {
                if case .invalidURL = error {
                    StandardError.print("app healthcheck: \(error)")
                } else {
                    print("unhealthy: \(target): \(error)")
                }
                throw ExitCode.failure
            }
        }
    }
}
