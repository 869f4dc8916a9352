import Foundation

/// The functions of libpq, PostgreSQL's own client library, loaded when a PostgreSQL store is first used
/// rather than linked: linking it would load it and the two dozen libraries it needs (Kerberos, LDAP, TLS)
/// at the start of every command, SQLite ones too (docs/tradeoffs/postgres-client.md). Its connection
/// conventions come with it: URIs, `PGHOST` and the other variables, `~/.pgpass`, `PGSERVICE`.
///
/// The types and constants are those of `libpq-fe.h`, part of libpq's stable ABI since PostgreSQL 9.
struct LibPQ: @unchecked Sendable {
    typealias Connection = OpaquePointer
    typealias Result = OpaquePointer

    /// `CONNECTION_OK` of `ConnStatusType`.
    static let connectionOK: Int32 = 0
    /// `PGRES_COMMAND_OK` and `PGRES_TUPLES_OK` of `ExecStatusType`.
    static let commandOK: Int32 = 1
    static let tuplesOK: Int32 = 2
    /// `PG_DIAG_SQLSTATE`: the five-character SQLSTATE of an error result.
    static let sqlstateField: Int32 = Int32(UInt8(ascii: "C"))

    typealias ConnectParams =
        @convention(c) (
            UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>, Int32
        ) -> Connection?
    typealias ExecParams =
        @convention(c) (
            Connection?, UnsafePointer<CChar>, Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?,
            UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
        ) -> Result?
    typealias Exec = @convention(c) (Connection?, UnsafePointer<CChar>) -> Result?
    /// A number of a connection or a result: a status, a count, a version.
    typealias Number = @convention(c) (OpaquePointer?) -> Int32
    /// A text of a connection or a result, owned by it.
    typealias Text = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias Release = @convention(c) (OpaquePointer?) -> Void
    typealias Field = @convention(c) (Result?, Int32) -> UnsafePointer<CChar>?
    typealias Cell = @convention(c) (Result?, Int32, Int32) -> UnsafePointer<CChar>?
    typealias CellFlag = @convention(c) (Result?, Int32, Int32) -> Int32
    /// `PQcancel`: asks the server to cancel what a connection runs, writing a reason into the buffer.
    typealias Cancel = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32
    /// The type (an `Oid` of `pg_type`) of a result's column.
    typealias ColumnType = @convention(c) (Result?, Int32) -> UInt32

    let connectdbParams: ConnectParams
    let status: Number
    let errorMessage: Text
    let finish: Release
    let execParams: ExecParams
    let exec: Exec
    let resultStatus: Number
    let resultErrorField: Field
    let resultErrorMessage: Text
    let ntuples: Number
    let nfields: Number
    let getvalue: Cell
    let getisnull: CellFlag
    let fname: Field
    let getCancel: @convention(c) (Connection?) -> OpaquePointer?
    let cancel: Cancel
    let freeCancel: Release
    let ftype: ColumnType
    let clear: Release
    let user: Text
    let host: Text
    let port: Text
    let db: Text

    /// libpq, loaded once; the reason when it cannot be.
    static let shared: Swift.Result<LibPQ, PostgresError> = {
        guard let handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(
                PostgresError(
                    .unavailable,
                    "a PostgreSQL store needs libpq, PostgreSQL's client library, which cannot be loaded (\(reason)); "
                        + "install it (Debian and Ubuntu: apt-get install libpq5)"))
        }
        return Swift.Result { () throws(PostgresError) in try LibPQ(handle: handle) }
    }()

    private init(handle: UnsafeMutableRawPointer) throws(PostgresError) {
        func symbol<T>(_ name: String) throws(PostgresError) -> T {
            guard let address = dlsym(handle, name) else {
                throw PostgresError(.unavailable, "the libpq.so.5 found has no \(name); install a newer libpq5")
            }
            return unsafeBitCast(address, to: T.self)
        }
        connectdbParams = try symbol("PQconnectdbParams")
        status = try symbol("PQstatus")
        errorMessage = try symbol("PQerrorMessage")
        finish = try symbol("PQfinish")
        execParams = try symbol("PQexecParams")
        exec = try symbol("PQexec")
        resultStatus = try symbol("PQresultStatus")
        resultErrorField = try symbol("PQresultErrorField")
        resultErrorMessage = try symbol("PQresultErrorMessage")
        ntuples = try symbol("PQntuples")
        nfields = try symbol("PQnfields")
        getvalue = try symbol("PQgetvalue")
        getisnull = try symbol("PQgetisnull")
        fname = try symbol("PQfname")
        getCancel = try symbol("PQgetCancel")
        cancel = try symbol("PQcancel")
        freeCancel = try symbol("PQfreeCancel")
        ftype = try symbol("PQftype")
        clear = try symbol("PQclear")
        user = try symbol("PQuser")
        host = try symbol("PQhost")
        port = try symbol("PQport")
        db = try symbol("PQdb")
    }
}
