import Foundation
import LabHTTP
import Testing

/// A server on a loopback port that takes one connection and, after reading the request's head, sends
/// `answer` byte for byte, hangs up without an answer (nil), or never answers (`quiet`).
final class OneShotServer: @unchecked Sendable {
    let port: Int
    /// The listening socket while nothing owns it: a quiet server's, closed when the server is released.
    private let quietListener: Int32?

    init(answer: String?, quiet: Bool = false) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        listen(listener, 1)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        quietListener = quiet ? listener : nil
        if quiet { return }
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            close(listener)
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            if let answer { _ = Array(answer.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) } }
            close(connection)
        }
    }

    deinit { quietListener.map { _ = close($0) } }

    var url: String { "http://127.0.0.1:\(port)/readyz" }
}

struct HTTPClientTests {
    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", 200, "hello"),
        (
            "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
            503, "abcde"
        ),
        ("HTTP/1.0 201 Created\r\n\r\nuntil the end", 201, "until the end"),
    ])
    func readsEveryWayABodyIsFramed(answer: String, status: Int, body: String) throws {
        let server = try OneShotServer(answer: answer)
        let response = try HTTPClient(timeout: .seconds(5)).send(HTTPRequest(), to: server.url)
        #expect(response.status == status)
        #expect(response.text == body)
    }

    @Test func failuresSayWhatWentWrong() throws {
        let closed = try OneShotServer(answer: nil)
        #expect(throws: HTTPClientError.closed) { try HTTPClient().send(HTTPRequest(), to: closed.url) }
        let garbage = try OneShotServer(answer: "SSH-2.0-OpenSSH\r\n\r\n")
        #expect { try HTTPClient().send(HTTPRequest(), to: garbage.url) } throws: {
            "\($0)".contains("not an HTTP answer")
        }
        #expect { try HTTPClient().send(HTTPRequest(), to: "https://127.0.0.1/") } throws: {
            "\($0)".contains("only http:// is supported")
        }
        #expect { try HTTPClient().send(HTTPRequest(), to: "http://127.0.0.1:1/") } throws: {
            "\($0)".contains("cannot connect to 127.0.0.1:1")
        }
    }

    @Test func aSilentServerTimesOut() throws {
        let server = try OneShotServer(answer: nil, quiet: true)
        let start = ContinuousClock.now
        withExtendedLifetime(server) {
            #expect(throws: HTTPClientError.timedOut(.milliseconds(300))) {
                try HTTPClient(timeout: .milliseconds(300)).send(HTTPRequest(), to: server.url)
            }
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
