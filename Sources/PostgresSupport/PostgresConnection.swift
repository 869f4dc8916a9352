import Foundation
import Synchronization

/// One connection to a PostgreSQL server through libpq, for one command: queries with parameters sent
/// apart from the SQL text, values in PostgreSQL's text form. Used by one task at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let libpq: LibPQ
    private let handle: LibPQ.Connection
    /// Where it is connected, as `postgres://USER@HOST:PORT/DATABASE`, without any password: for messages.
    public let name: String

    /// Connects to the server `address` names (a URI; an empty one leaves everything to the `PG…`
    /// variables), waiting up to 10 s unless `PGCONNECT_TIMEOUT` says otherwise. Notices (`NOTICE: … already
    /// exists, skipping`) are not printed.
    public init(_ address: String) throws(PostgresError) {
        let libpq = try LibPQ.shared.get()
        self.libpq = libpq
        var parameters = [("dbname", PostgresAddress.normalized(address)), ("fallback_application_name", "incident")]
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            // Before dbname, so that a connect_timeout in the URI wins.
            parameters.insert(("connect_timeout", "10"), at: 0)
        }
        let handle = Self.withCStrings(parameters.map(\.0)) { keywords in
            Self.withCStrings(parameters.map(\.1)) { values in
                libpq.connectdbParams(keywords.baseAddress!, values.baseAddress!, 1)
            }
        }
        guard let handle else { throw PostgresError(.unavailable, "libpq could not allocate a connection") }
        func text(_ function: LibPQ.Text) -> String { function(handle).map { String(cString: $0) } ?? "" }
        let host = text(libpq.host)
        let bracketed = host.contains(":") ? "[\(host)]" : host  // an IPv6 address
        name = "postgres://\(text(libpq.user))@\(bracketed):\(text(libpq.port))/\(text(libpq.db))"
        guard libpq.status(handle) == LibPQ.connectionOK else {
            let message = PostgresAddress.redacting(PostgresError.oneLine(text(libpq.errorMessage)), address: address)
            libpq.finish(handle)
            throw PostgresError(PostgresError.kind(ofConnectionFailure: message), message)
        }
        self.handle = handle
        try execute("SET client_min_messages = warning")
    }

    /// Connects as ``init(_:)`` does, on a thread of its own, so that cancelling the task (Ctrl-C) ends the
    /// wait at once rather than after libpq's connect timeout; an abandoned attempt is closed when it ends.
    public static func connect(_ address: String) async throws -> PostgresConnection {
        let waiting = Mutex<CheckedContinuation<PostgresConnection, any Error>?>(nil)
        /// The continuation, for the first of the connection and the cancellation to end the wait.
        @Sendable func take() -> CheckedContinuation<PostgresConnection, any Error>? {
            waiting.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.withLock { $0 = continuation }
                Thread.detachNewThread {
                    let result = Result { () throws(PostgresError) in try PostgresConnection(address) }
                    take()?.resume(with: result.mapError { $0 })
                }
            }
        } onCancel: {
            take()?.resume(throwing: CancellationError())
        }
    }

    deinit {
        libpq.finish(handle)
    }

    /// Runs `sql` with `parameters` ($1, $2…; nil is NULL) and returns its rows, each value in its text form
    /// (`t`/`f` for booleans) or nil for NULL. Without parameters `sql` may hold several statements, and the
    /// rows are the last one's.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        let result =
            parameters.isEmpty
            ? libpq.exec(handle, sql)
            : Self.withOptionalCStrings(parameters) { values in
                libpq.execParams(handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        defer { libpq.clear(result) }
        let status = libpq.resultStatus(result)
        guard result != nil, status == LibPQ.commandOK || status == LibPQ.tuplesOK else {
            let sqlstate = libpq.resultErrorField(result, LibPQ.sqlstateField).map { String(cString: $0) }
            let detail =
                (result.flatMap { libpq.resultErrorMessage($0) } ?? libpq.errorMessage(handle))
                .map { PostgresError.oneLine(String(cString: $0)) } ?? "no message"
            // No SQLSTATE and a broken connection: the server went away.
            let kind = sqlstate.map(PostgresError.kind(ofSQLState:)) ?? (isConnected ? .other : .unavailable)
            throw PostgresError(kind, detail.isEmpty ? "the server closed the connection" : detail, sqlstate: sqlstate)
        }
        let rows = libpq.ntuples(result)
        let columns = libpq.nfields(result)
        return (0..<rows).map { row in
            (0..<columns).map { column in
                libpq.getisnull(result, row, column) != 0
                    ? nil : libpq.getvalue(result, row, column).map { String(cString: $0) }
            }
        }
    }

    /// Whether the connection is still usable.
    public var isConnected: Bool { libpq.status(handle) == LibPQ.connectionOK }

    /// Runs `body` in one transaction at `isolation` (`SERIALIZABLE`, `READ COMMITTED`…), committed when it
    /// returns and rolled back when it throws. A transaction that lost to a concurrent one (a serialization
    /// failure, a deadlock) runs again, up to 10 times.
    public func transaction<T>(isolation: String = "SERIALIZABLE", _ body: () throws -> T) throws -> T {
        for attempt in 1... {
            try execute("BEGIN ISOLATION LEVEL \(isolation)")
            do {
                let value = try body()
                try execute("COMMIT")
                return value
            } catch let error as PostgresError where error.kind == .retryable && attempt < 10 {
                if isConnected { try execute("ROLLBACK") }
                usleep(useconds_t(UInt32.random(in: 1_000...20_000) * UInt32(attempt)))
            } catch {
                if isConnected { _ = try? execute("ROLLBACK") }
                throw error
            }
        }
        fatalError("unreachable: the loop returns or throws")
    }

    /// Calls `body` with C strings of `strings`, valid during the call.
    private static func withCStrings<T>(
        _ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> T
    ) -> T {
        withOptionalCStrings(strings + [nil], body)
    }

    private static func withOptionalCStrings<T>(
        _ strings: [String?], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> T
    ) -> T {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer(body)
    }
}
