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
    /// variables), waiting up to 10 s unless `PGCONNECT_TIMEOUT` says otherwise. Notices and warnings (`NOTICE: … already
    /// exists, skipping`) are not printed. The server lists it under `applicationName` unless the address names one.
    public init(_ address: String, applicationName: String = "incident") throws(PostgresError) {
        let libpq = try LibPQ.shared.get()
        self.libpq = libpq
        // Text is UTF-8 whatever the server's encoding, which converts it or refuses what it cannot hold.
        var parameters = [
            ("dbname", PostgresAddress.normalized(address)), ("fallback_application_name", applicationName),
            ("client_encoding", "UTF8"),
        ]
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
        try execute("SET client_min_messages = error")
    }

    /// Connects as ``init(_:)`` does, on a thread of its own, so that cancelling the task (Ctrl-C) ends the
    /// wait at once rather than after libpq's connect timeout; an abandoned attempt is closed when it ends.
    public static func connect(_ address: String, applicationName: String = "incident") async throws
        -> PostgresConnection
    {
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
                // Cancelled before the continuation was stored: the handler found nothing to resume.
                if Task.isCancelled { take()?.resume(throwing: CancellationError()) }
                Thread.detachNewThread {
                    guard waiting.withLock({ $0 != nil }) else { return }
                    let result = Result { () throws(PostgresError) in
                        try PostgresConnection(address, applicationName: applicationName)
                    }
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
        try query(sql, parameters).rows.map { row in row.map(\.text) }
    }

    /// Runs `sql` as ``execute(_:_:)`` does and returns its rows with the name and type of each column.
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
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
        let columns = (0..<libpq.nfields(result)).map { column in
            PostgresRows.Column(
                name: libpq.fname(result, column).map { String(cString: $0) } ?? "", type: libpq.ftype(result, column))
        }
        let readers = columns.map { PostgresValue.reader(ofType: $0.type) }
        let rows = (0..<libpq.ntuples(result)).map { row in
            readers.indices.map { column in
                let column = Int32(column)
                guard libpq.getisnull(result, row, column) == 0, let text = libpq.getvalue(result, row, column) else {
                    return PostgresValue.null
                }
                return readers[Int(column)](text)
            }
        }
        return PostgresRows(columns: columns, rows: rows)
    }

    /// Runs `body`, which uses this connection, so that cancelling the task (Ctrl-C) asks the server to cancel
    /// the statement running then: a command waiting for a lock or a long query stops at once, its transaction
    /// rolled back, and ``CancellationError`` is thrown.
    public func cancellable<T>(_ body: () throws -> T) async throws -> T {
        let canceller = Canceller(libpq, libpq.getCancel(handle))
        do {
            return try await withTaskCancellationHandler(operation: body, onCancel: canceller.cancel)
        } catch  where Task.isCancelled {
            throw CancellationError()
        }
    }

    /// libpq's handle for cancelling a connection's statement from another thread.
    private final class Canceller: @unchecked Sendable {
        private let libpq: LibPQ
        private let handle: OpaquePointer?

        init(_ libpq: LibPQ, _ handle: OpaquePointer?) {
            self.libpq = libpq
            self.handle = handle
        }

        @Sendable func cancel() {
            var reason = [CChar](repeating: 0, count: 256)
            _ = libpq.cancel(handle, &reason, Int32(reason.count))
        }

        deinit {
            libpq.freeCancel(handle)
        }
    }

    /// Whether the connection is still usable.
    public var isConnected: Bool { libpq.status(handle) == LibPQ.connectionOK }

    /// Runs `body` in one transaction at `isolation` (`SERIALIZABLE`, `READ COMMITTED`…), committed when it
    /// returns (rolled back instead without `commit`) and rolled back when it throws. With `retrying`, a
    /// transaction that lost to a concurrent one (a serialization failure, a deadlock) runs again, up to 10
    /// times; without, `body` runs once, for work that cannot be done twice (reading a stream).
    public func transaction<T>(
        isolation: String = "SERIALIZABLE", commit: Bool = true, retrying: Bool = true, _ body: () throws -> T
    ) throws -> T {
        for attempt in 1... {
            try execute("BEGIN ISOLATION LEVEL \(isolation)")
            do {
                let value = try body()
                try execute(commit ? "COMMIT" : "ROLLBACK")
                return value
            } catch let error as PostgresError where error.kind == .retryable && retrying && attempt < 10 {
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

/// A value of a result, as its column's type reads: booleans and integers as numbers, other types as text.
public enum PostgresValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value in PostgreSQL's text form (`t`/`f` for booleans); nil for NULL.
    public var text: String? {
        switch self {
        case .null: nil
        case .boolean(let truth): truth ? "t" : "f"
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        }
    }

    /// How to read a value of the type `oid` from its text, without making a string of a number.
    static func reader(ofType oid: UInt32) -> (UnsafePointer<CChar>) -> PostgresValue {
        switch oid {
        case 16: { .boolean($0.pointee == UInt8(ascii: "t")) }
        case 20, 21, 23, 26: { .integer(Int64(strtoll($0, nil, 10))) }  // bigint, smallint, integer, oid
        case 700, 701: { .real(strtod($0, nil)) }  // real, double precision
        default: { .text(String(cString: $0)) }
        }
    }
}

/// The rows of a query, each value read as its column's type, and its columns.
public struct PostgresRows: Sendable {
    /// A column's name and type (an `Oid` of `pg_type`: 16 boolean, 20 bigint, 25 text…).
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: UInt32
    }

    public var columns: [Column]
    public var rows: [[PostgresValue]]
}
