import ArgumentParser
import Foundation

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
        guard let components = URLComponents(string: target), components.scheme == "http", let host = components.host else {
            printError("app healthcheck: '\(target)' is not an http:// URL")
            throw ExitCode.failure
        }
        do {
            let status = try HTTPStatusProbe(host: host, port: components.port ?? 80, timeout: timeout)
                .status(path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
            guard (200..<300).contains(status) else {
                print("unhealthy: \(target) answered \(status)")
                throw ExitCode.failure
            }
            print("healthy: \(target) answered \(status)")
        } catch let error as HTTPStatusProbe.Failure {
            print("unhealthy: \(target): \(error.description)")
            throw ExitCode.failure
        }
    }
}

/// One HTTP/1.1 GET over a plain socket, reading only the status line.
struct HTTPStatusProbe {
    let host: String
    let port: Int
    let timeout: Double

    struct Failure: Error, CustomStringConvertible {
        let description: String

        /// `what` failed, with the system's reason from `errno`.
        static func system(_ what: String) -> Failure {
            Failure(description: "\(what): \(String(cString: strerror(errno)))")
        }
    }

    func status(path: String) throws(Failure) -> Int {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &addresses) == 0, let address = addresses else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(addresses) }
        let socket = Foundation.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard socket >= 0 else { throw Failure.system("cannot open a socket") }
        defer { close(socket) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            throw Failure.system("cannot connect to \(host):\(port)")
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: app-healthcheck\r\nConnection: close\r\n\r\n".utf8)
        guard send(socket, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw Failure.system("cannot send the request")
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !answer.contains(UInt8(ascii: "\n")) && answer.count < 4096 {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                throw Failure(description: count == 0 ? "connection closed before an answer" : "no answer within \(timeout.plain) s")
            }
            answer += buffer[..<count]
        }
        // "HTTP/1.1 200 OK"
        let statusLine = String(decoding: answer.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw Failure(description: "not an HTTP answer: \(statusLine.prefix(80))")
        }
        return status
    }
}
