import Conventions
import Foundation

/// A small HTTP/1.1 client over a plain socket: one request per connection, a deadline on the whole
/// exchange, no TLS. It is what `app healthcheck` and the game-day commands need to talk to a service on
/// loopback, without an HTTP library's start-up cost or dependencies.
public struct HTTPClient: Sendable {
    /// How long one exchange (connect, send, receive) may take in all.
    public var timeout: Duration
    /// The largest answer read; a longer one fails as malformed.
    public var maxResponseBytes: Int
    /// Sent as `User-Agent`.
    public var userAgent: String

    public init(timeout: Duration = .seconds(5), maxResponseBytes: Int = 8 << 20, userAgent: String = "incident") {
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }

    /// ``send(_:to:)`` without blocking the caller's thread: the exchange runs on a thread of its own, and
    /// a task cancelled meanwhile gets ``CancellationError`` when it ends (by its deadline at the latest).
    public func exchange(_ request: HTTPRequest, to url: String) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let answer = try await withCheckedThrowingContinuation { resume in
            DispatchQueue.global().async {
                resume.resume(with: Result { () throws(HTTPClientError) in try send(request, to: url) })
            }
        }
        try Task.checkCancellation()
        return answer
    }

    /// Sends `request` to `url` (an `http://` URL whose path and query replace the request's target when
    /// the request names none) and reads the whole answer.
    public func send(_ request: HTTPRequest, to url: String) throws(HTTPClientError) -> HTTPResponse {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url, "not a URL")
        }
        guard scheme == "http" else { throw .invalidURL(url, "only http:// is supported") }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(url, "it names no host") }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else { throw .invalidURL(url, "the port must be 1 to 65535") }
        var target = request.target
        if target.isEmpty {
            target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            if let query = components.percentEncodedQuery { target += "?" + query }
        }
        let deadline = ContinuousClock.now + timeout
        let connection = try Connection(host: host, port: port, deadline: deadline, timeout: timeout)
        defer { connection.close() }
        var head =
            "\(request.method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: \(userAgent)\r\n"
            + "Connection: close\r\n"
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        try connection.send(Array((head + "\r\n").utf8) + request.body)
        return try HTTPResponse.read(from: connection, limit: maxResponseBytes, method: request.method)
    }
}

/// One request: method, target (path and query; empty to take them from the URL), headers and body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String = "GET", target: String = "", headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }
}

/// An answer: its status, headers in the order received, and its whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Reads a status line, headers and a body framed by `Content-Length`, chunks, or the end of the
    /// connection.
    static func read(from connection: Connection, limit: Int, method: String) throws(HTTPClientError)
        -> HTTPResponse
    {
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard try connection.receive(into: &buffer, limit: limit) else {
                throw buffer.isEmpty ? .closed : .malformed("the answer ended inside its headers")
            }
            headEnd = buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
        }
        let head = String(decoding: buffer[..<(headEnd! - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = head[0].split(separator: " ", maxSplits: 2)
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/1."), let status = Int(statusWords[1]),
            (100...999).contains(status)
        else {
            throw .malformed("not an HTTP answer: \(head[0].prefix(80))")
        }
        var headers: [(name: String, value: String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("bad header line: \(line.prefix(80))") }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = HTTPResponse(status: status, headers: headers, body: [])
        var rest = Array(buffer[headEnd!...])
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { return response }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            response.body = try Self.dechunk(&rest, from: connection, limit: limit)
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0, length <= limit else {
                throw .malformed("bad Content-Length: \(lengthText)")
            }
            while rest.count < length {
                guard try connection.receive(into: &rest, limit: limit) else {
                    throw .malformed("the answer ended after \(rest.count) of \(length) body bytes")
                }
            }
            response.body = Array(rest.prefix(length))
        } else {
            while try connection.receive(into: &rest, limit: limit) {}
            response.body = rest
        }
        return response
    }

    private static func dechunk(_ data: inout [UInt8], from connection: Connection, limit: Int)
        throws(HTTPClientError) -> [UInt8]
    {
        var body: [UInt8] = []
        var position = 0
        func line() throws(HTTPClientError) -> String {
            while true {
                if let end = data[position...].firstRange(of: [13, 10]) {
                    defer { position = end.upperBound }
                    return String(decoding: data[position..<end.lowerBound], as: UTF8.self)
                }
                guard try connection.receive(into: &data, limit: limit) else {
                    throw .malformed("a chunk was cut short")
                }
            }
        }
        while true {
            let sizeText = try line().split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0,
                body.count + size <= limit
            else {
                throw .malformed("bad chunk size: \(sizeText.prefix(20))")
            }
            if size == 0 { return body }
            while data.count < position + size + 2 {
                guard try connection.receive(into: &data, limit: limit) else {
                    throw .malformed("a chunk was cut short")
                }
            }
            body += data[position..<position + size]
            position += size + 2
        }
    }
}

/// Why an exchange failed, in words that name the URL or the step.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL cannot be used; the second value says why.
    case invalidURL(String, String)
    /// The host name does not resolve.
    case unresolvable(String)
    /// The connection could not be made (refused, unreachable).
    case cannotConnect(SystemError)
    /// The exchange took longer than the timeout.
    case timedOut(Duration)
    /// The other side closed the connection before answering.
    case closed
    /// The answer is not HTTP/1.1 as expected.
    case malformed(String)
    /// Sending or receiving failed.
    case transfer(SystemError)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "'\(url)' cannot be used: \(reason)"
        case .unresolvable(let host): "cannot resolve \(host)"
        case .cannotConnect(let error): error.description
        case .timedOut(let timeout): "no answer within \((timeout / .seconds(1)).plain) s"
        case .closed: "connection closed before an answer"
        case .malformed(let reason): reason
        case .transfer(let error): error.description
        }
    }
}

/// A connected socket with the exchange's deadline.
final class Connection {
    private let socket: Int32
    private let deadline: ContinuousClock.Instant
    private let timeout: Duration

    init(host: String, port: Int, deadline: ContinuousClock.Instant, timeout: Duration) throws(HTTPClientError) {
        self.deadline = deadline
        self.timeout = timeout
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &addresses) == 0, let address = addresses else {
            throw .unresolvable(host)
        }
        defer { freeaddrinfo(addresses) }
        socket = Foundation.socket(
            address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue),
            address.pointee.ai_protocol)
        guard socket >= 0 else { throw .cannotConnect(SystemError("cannot open a socket")) }
        if connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let error = SystemError("cannot connect to \(host):\(port)")
                Foundation.close(socket)
                throw .cannotConnect(error)
            }
            do {
                try wait(for: Int16(POLLOUT))
            } catch {
                Foundation.close(socket)
                throw error
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else {
                Foundation.close(socket)
                throw .cannotConnect(SystemError("cannot connect to \(host):\(port)", code: failure))
            }
        }
    }

    func close() {
        Foundation.close(socket)
    }

    /// Waits until the socket is ready for `events`, or fails when the deadline passes.
    private func wait(for events: Int16) throws(HTTPClientError) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .timedOut(timeout) }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let milliseconds = Int32(min(left / .milliseconds(1), Double(Int32.max)).rounded(.up))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .transfer(SystemError("cannot wait for the socket")) }
        }
    }

    func send(_ bytes: [UInt8]) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT))
            let sent = bytes[offset...].withUnsafeBytes {
                Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if errno != EAGAIN && errno != EINTR {
                throw .transfer(SystemError("cannot send the request"))
            }
        }
    }

    /// Appends what arrives to `buffer`; false once the other side has closed the connection.
    func receive(into buffer: inout [UInt8], limit: Int) throws(HTTPClientError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try wait(for: Int16(POLLIN))
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                guard buffer.count + count <= limit else {
                    throw .malformed("the answer is larger than \(limit) bytes")
                }
                buffer += chunk[..<count]
                return true
            }
            if count == 0 { return false }
            if errno == ECONNRESET { throw .closed }
            if errno != EAGAIN && errno != EINTR { throw .transfer(SystemError("cannot read the answer")) }
        }
    }
}
