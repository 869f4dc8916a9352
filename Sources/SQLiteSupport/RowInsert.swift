import GRDB
import GRDBSQLite

extension Database {
    /// Runs `sql`, an INSERT with one `?` per value, through its prepared statement and returns the new row's
    /// id: the bulk path of imports, which insert hundreds of thousands of rows. Values are bound as GRDB binds
    /// them and a failure is GRDB's `DatabaseError` with SQLite's extended code, but without GRDB's
    /// per-statement bookkeeping (argument validation, change observers, nested bindings), which cost more
    /// than SQLite's own work. Only for plain INSERTs inside a transaction and on a connection without
    /// transaction observers.
    public func insertRow(sql: String, values: [DatabaseValue]) throws -> Int64 {
        assert(isInsideTransaction, "insertRow outside a transaction would commit every row on its own")
        let statement = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        for (index, value) in zip(CInt(1)..., values) {
            let code = value.bind(to: statement, at: index)
            guard code == SQLITE_OK else { throw failure(code, sql) }
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw failure(code, sql) }
        return lastInsertedRowID
    }

    private func failure(_ code: CInt, _ sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)),
            sql: sql)
    }
}
