import Foundation
import GRDB
import PostgresSupport
import SQLiteSupport

/// One transaction of a store, on SQLite or on PostgreSQL: the store's operations are written once over it,
/// in SQL both engines understand, with `?` for each argument, and read rows as ``SQLRow``. What the engines
/// spell differently is asked of the session.
protocol SQLSession {
    /// The rows of `sql`, all at once.
    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [SQLRow]

    /// The rows of `sql` one at a time, for scans that must not hold every row in memory; valid until the
    /// transaction ends, and each row only until the next.
    func cursor(_ sql: String, _ arguments: [DatabaseValue]) throws -> AnyCursor<SQLRow>

    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws

    /// Inserts `record`, with its id when it has one, and sets its id to the stored row's.
    func insert<R: StoredRecord>(_ record: inout R) throws

    /// An SQL condition true when `column` matches the glob `pattern` (`*`, `?`, `[…]`, as SQLite's `GLOB`),
    /// and the argument it takes.
    func condition(_ column: String, matchingGlob pattern: String) -> (sql: String, argument: DatabaseValue)

    /// Moves the generators of new ids past the ids rows were inserted with (an import keeps its ids).
    func advanceIdGenerators() throws

    /// Whether `error` is the refusal of a row whose primary key or unique key is taken.
    func isDuplicateKey(_ error: any Error) -> Bool
}

/// A record kept in a table of its own with an `id` the database assigns.
protocol StoredRecord: FetchableRecord, MutablePersistableRecord {
    var id: Int64? { get set }
    /// Every column of its table but `id`, listed once for inserts and updates (StoredColumns.swift).
    static var storedColumns: [StoredColumn<Self>] { get }
    /// Whether `init(row:)` reads its columns with ``RowReader``, which refuses a value it cannot read even
    /// in a row still in its statement. GRDB's own decoding reads bytes that are not UTF-8 there as U+FFFD:
    /// the rows of the other records are copied first (``SQLRow/storedRecord()``).
    static var readsRowsStrictly: Bool { get }
}

extension StoredRecord {
    static var readsRowsStrictly: Bool { false }
}

/// Every record type with a table of its own.
let storedRecordTypes: [any StoredRecord.Type] = [
    Incident.self, TimelineEvent.self, ActionItem.self, Alert.self, Deploy.self, ChaosExperiment.self,
]

extension Incident: StoredRecord {
    static var readsRowsStrictly: Bool { true }
}

extension TimelineEvent: StoredRecord {
    static var readsRowsStrictly: Bool { true }
}

extension ActionItem: StoredRecord {
    static var readsRowsStrictly: Bool { true }
}

extension Alert: StoredRecord {}
extension Deploy: StoredRecord {}

extension SQLSession {
    private func values(_ arguments: [(any DatabaseValueConvertible)?]) -> [DatabaseValue] {
        arguments.map { $0?.databaseValue ?? .null }
    }

    func rows(_ sql: String, _ arguments: (any DatabaseValueConvertible)?...) throws -> [SQLRow] {
        try rows(sql, values(arguments))
    }

    func rows(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws -> [SQLRow] {
        try rows(sql, values(arguments))
    }

    func execute(_ sql: String, _ arguments: (any DatabaseValueConvertible)?...) throws {
        try execute(sql, values(arguments))
    }

    /// The first column of the first row, nil when there is none or it is NULL.
    func value<T: DatabaseValueConvertible>(_ sql: String, _ arguments: (any DatabaseValueConvertible)?...) throws
        -> T?
    {
        try value(sql, arguments)
    }

    func value<T: DatabaseValueConvertible>(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws
        -> T?
    {
        try rows(sql, values(arguments)).first.flatMap { try $0[0] }
    }

    /// The first column of every row.
    func values<T: DatabaseValueConvertible>(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = [])
        throws -> [T]
    {
        try rows(sql, values(arguments)).map { try $0[0] }
    }

    /// The records of `type` that `SELECT * FROM` its table `WHERE condition` finds, in `order`, the first
    /// `limit` of them when it is given.
    func records<R: StoredRecord>(
        _ type: R.Type, where condition: String = "TRUE", _ arguments: [(any DatabaseValueConvertible)?] = [],
        order: String = "id", limit: Int? = nil
    ) throws -> [R] {
        try rows(Self.select(R.self, condition, order, limit), values(arguments)).map { try $0.record() }
    }

    /// The records ``records(_:where:_:order:limit:)`` returns, one at a time (see ``cursor(_:_:)``), for
    /// scans of a whole history that must not hold it in memory.
    func recordCursor<R: StoredRecord>(
        _ type: R.Type, where condition: String = "TRUE", _ arguments: [(any DatabaseValueConvertible)?] = [],
        order: String = "id", limit: Int? = nil
    ) throws -> any Cursor<R> {
        try cursor(Self.select(R.self, condition, order, limit), values(arguments)).map { try $0.storedRecord() }
    }

    private static func select<R: StoredRecord>(_ type: R.Type, _ condition: String, _ order: String, _ limit: Int?)
        -> String
    {
        "SELECT * FROM \(R.databaseTableName) WHERE \(condition) ORDER BY \(order)"
            + (limit.map { " LIMIT \($0)" } ?? "")
    }

    /// The record of `type` with `id`, if there is one.
    func record<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> R? {
        try records(type, where: "id = ?", [id]).first
    }

    func exists<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> Bool {
        try value("SELECT count(*) FROM \(R.databaseTableName) WHERE id = ?", id) != 0
    }

    /// Inserts `record` with SQL built from its columns (PostgreSQL's session).
    func insert<R: StoredRecord>(_ record: inout R) throws {
        let (names, values) = record.storedValues
        let sql =
            "INSERT INTO \(R.databaseTableName) (\(names.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) "
            + "VALUES (\(names.map { _ in "?" }.joined(separator: ", "))) RETURNING id"
        record.id = try rows(sql, values).first.flatMap { Int64.fromDatabaseValue($0[0]) }
    }

    /// Writes every column of `record`, which is stored already.
    func update<R: StoredRecord>(_ record: R) throws {
        let columns = R.storedColumns
        try execute(
            "UPDATE \(R.databaseTableName) SET \(columns.map { "\($0.name.quotedDatabaseIdentifier) = ?" }.joined(separator: ", ")) "
                + "WHERE id = ?", columns.map { $0.value(record) } + [record.id.databaseValue])
    }
}

/// The conditions of a query's `WHERE`, added one filter at a time, and their arguments.
struct SQLConditions {
    private var conditions = ["TRUE"]
    private(set) var arguments: [(any DatabaseValueConvertible)?] = []

    /// All the conditions, each in parentheses.
    var sql: String { "(" + conditions.joined(separator: ") AND (") + ")" }

    mutating func add(_ condition: String) {
        conditions.append(condition)
    }

    /// Adds `condition`, whose `?` is `value`, unless `value` is nil.
    mutating func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        conditions.append(condition)
        arguments.append(value)
    }

    /// Selects incidents whose service matches the glob `pattern`, in lower case; nil selects all.
    mutating func add(service pattern: String?, _ db: any SQLSession) {
        guard let pattern else { return }
        let match = db.condition("service", matchingGlob: pattern.lowercased())
        add(match.sql, match.argument)
    }
}

/// SQLite's session: a GRDB connection inside its transaction.
extension Database: SQLSession {
    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [SQLRow] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: StatementArguments(values: arguments)).map(SQLRow.init)
    }

    func cursor(_ sql: String, _ arguments: [DatabaseValue]) throws -> AnyCursor<SQLRow> {
        let rows = try Row.fetchCursor(makeStatement(sql: sql), arguments: StatementArguments(values: arguments))
        return AnyCursor(rows.map(SQLRow.init))
    }

    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws {
        try cachedStatement(sql: sql).execute(arguments: StatementArguments(values: arguments))
    }

    func condition(_ column: String, matchingGlob pattern: String) -> (sql: String, argument: DatabaseValue) {
        ("\(column) GLOB ?", pattern.databaseValue)
    }

    /// One prepared statement per table, bound and run without GRDB's per-statement work (its own insert
    /// cost a third of an import); `id` is given as NULL when the record has none, which SQLite reads as
    /// "assign one".
    func insert<R: StoredRecord>(_ record: inout R) throws {
        record.id = try insertRow(
            sql: SQLiteInserts.sql(for: R.self),
            values: [record.id.databaseValue] + R.storedColumns.map { $0.value(record) })
    }

    func advanceIdGenerators() throws {}  // SQLite's next rowid is always past the largest

    func isDuplicateKey(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE].contains(error.extendedResultCode)
    }
}

extension StatementArguments {
    /// Arguments from database values. Where a parameter takes optional arguments (`execute(arguments:)`),
    /// `StatementArguments(values)` is GRDB's failable initializer from `[Any]`, which casts each value
    /// dynamically.
    init(values: [DatabaseValue]) {
        self.init(values.map { $0 as (any DatabaseValueConvertible)? })
    }
}

/// PostgreSQL's session: a connection inside its transaction. Arguments are sent in their text form apart
/// from the SQL, and each value comes back as the type SQLite would give it (booleans as 0 and 1).
final class PostgresSession: SQLSession {
    private let connection: PostgresConnection
    /// How many cursors this session declared, to name the next one.
    private var cursors = 0

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [SQLRow] {
        try Self.rows(of: connection.query(Self.numbered(sql), arguments.map(Self.text)))
    }

    func cursor(_ sql: String, _ arguments: [DatabaseValue]) throws -> AnyCursor<SQLRow> {
        cursors += 1
        let name = "incident_cursor_\(cursors)"
        try connection.query("DECLARE \(name) NO SCROLL CURSOR FOR \(Self.numbered(sql))", arguments.map(Self.text))
        let connection = connection
        var batch: [SQLRow] = []
        var finished = false
        return AnyCursor {
            if batch.isEmpty && !finished {
                batch = try Self.rows(of: connection.query("FETCH 10000 FROM \(name)")).reversed()
                finished = batch.isEmpty
            }
            return batch.popLast()
        }
    }

    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws {
        try connection.query(Self.numbered(sql), arguments.map(Self.text))
    }

    func condition(_ column: String, matchingGlob pattern: String) -> (sql: String, argument: DatabaseValue) {
        ("\(column) ~ ?", Glob.regularExpression(pattern).databaseValue)
    }

    func advanceIdGenerators() throws {
        for table in ["incident", "timeline_event", "action_item", "alert", "decision", "deploy"] {
            try connection.query(
                "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), max(id)) FROM \(table) HAVING max(id) IS NOT NULL"
            )
        }
    }

    func isDuplicateKey(_ error: any Error) -> Bool {
        (error as? PostgresError)?.sqlstate == "23505"
    }

    /// `sql` with its `?` numbered as PostgreSQL writes parameters (`$1`, `$2`…), outside quoted text.
    static func numbered(_ sql: String) -> String {
        var result = ""
        var number = 0
        var quote: Character?
        for character in sql {
            switch (character, quote) {
            case ("?", nil):
                number += 1
                result += "$\(number)"
                continue
            case ("'", nil), ("\"", nil): quote = character
            case (let closing, let open?) where closing == open: quote = nil
            default: break
            }
            result.append(character)
        }
        return result
    }

    /// An argument in PostgreSQL's text form; nil for NULL.
    private static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text
        case .blob(let data): "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// The rows of a result, each value as SQLite would hold it (booleans as 0 and 1).
    private static func rows(of result: PostgresRows) -> [SQLRow] {
        let columns = SQLRow.Columns(result.columns.map(\.name))
        return result.rows.map { values in
            SQLRow(
                columns,
                values.map { value in
                    switch value {
                    case .null: .null
                    case .boolean(let truth): (truth ? 1 : 0 as Int64).databaseValue
                    case .integer(let number): number.databaseValue
                    case .real(let number): number.databaseValue
                    case .text(let text): text.databaseValue
                    }
                })
        }
    }
}

extension SQLSession {
    /// Each row incident cannot read, as `TABLE row ID: what is wrong`: a value changed outside incident,
    /// which every command reading the row refuses.
    func unreadableRows() throws -> [String] {
        var problems: [String] = []
        /// Reads each row `sql` selects with `read`, noting by `name` and its first column each one it cannot.
        func check(_ name: String, _ sql: String, _ read: (SQLRow) throws -> Void) throws {
            let rows = try cursor(sql, [])
            while let row = try rows.next() {
                do {
                    try read(row)
                } catch let error as UnreadableValue {
                    problems.append("\(name) \(row[0] as DatabaseValue): \(error.detail)")
                }
            }
        }
        func check<R: StoredRecord>(_: R.Type) throws {
            try check("\(R.databaseTableName) row", "SELECT * FROM \(R.databaseTableName) ORDER BY id") {
                _ = try $0.storedRecord() as R
            }
        }
        for type in storedRecordTypes { try check(type) }
        try check("incident_source of incident", "SELECT incident_id, key FROM incident_source ORDER BY 1, 2") {
            _ = try ($0[1] as String)
        }
        // A decision is read with its options, consequences, incidents and SLOs.
        try check("decision row", "SELECT id FROM decision ORDER BY id") { _ = try IncidentStore.decision(self, $0[0]) }
        return problems
    }
}

/// A row read by a ``SQLSession``: a GRDB row on SQLite, the values of a PostgreSQL result on PostgreSQL.
/// Values are read by position (the order of the `SELECT`) or by column name.
struct SQLRow {
    /// The names of a result's columns and where each is, shared by its rows.
    final class Columns {
        let names: [String]
        let positions: [String: Int]

        init(_ names: [String]) {
            self.names = names
            positions = Dictionary(names.enumerated().map { ($1, $0) }) { first, _ in first }
        }
    }

    private enum Storage {
        case sqlite(Row)
        case postgres(Columns, [DatabaseValue])
    }

    private let storage: Storage

    init(_ row: Row) {
        storage = .sqlite(row)
    }

    init(_ columns: Columns, _ values: [DatabaseValue]) {
        storage = .postgres(columns, values)
    }

    /// The names of the columns, in order.
    var columnNames: [String] {
        switch storage {
        case .sqlite(let row): Array(row.columnNames)
        case .postgres(let columns, _): columns.names
        }
    }

    // On SQLite both subscripts read through GRDB's untyped subscript: its typed one decodes generically,
    // looking up type metadata for every value (a third of a report's time).
    subscript(_ index: Int) -> DatabaseValue {
        switch storage {
        case .sqlite(let row): row[index]?.databaseValue ?? .null
        case .postgres(_, let values): values[index]
        }
    }

    subscript(_ column: String) -> DatabaseValue {
        switch storage {
        case .sqlite(let row): row[column]?.databaseValue ?? .null
        case .postgres(let columns, let values): columns.positions[column].map { values[$0] } ?? .null
        }
    }

    /// The value of a column that is never NULL, such as a primary key or a `NOT NULL` column; a NULL or a value
    /// `T` cannot be made from is ``UnreadableValue``.
    @_disfavoredOverload
    subscript<T: DatabaseValueConvertible>(_ column: String) -> T {
        get throws { try UnreadableValue.required(self[column], column: column) }
    }

    /// The value of a column that may be NULL; a value `T` cannot be made from is ``UnreadableValue``.
    subscript<T: DatabaseValueConvertible>(_ column: String) -> T? {
        get throws { try UnreadableValue.optional(self[column], column: column) }
    }

    @_disfavoredOverload
    subscript<T: DatabaseValueConvertible>(_ index: Int) -> T {
        get throws { try UnreadableValue.required(self[index], column: columnNames[index]) }
    }

    subscript<T: DatabaseValueConvertible>(_ index: Int) -> T? {
        get throws { try UnreadableValue.optional(self[index], column: columnNames[index]) }
    }

    /// The row decoded as stored record `R`. A row of a record GRDB decodes is copied out of its statement
    /// first: GRDB reads a row still in its statement through SQLite's own conversions, which turn bytes that
    /// are not UTF-8 into U+FFFD where a copied row refuses them.
    func storedRecord<R: StoredRecord>() throws -> R {
        guard !R.readsRowsStrictly, case .sqlite(let row) = storage else { return try record() }
        return try SQLRow(row.copy()).record()
    }

    /// The row decoded as a record, by column name; a value it cannot read is ``UnreadableValue``.
    func record<R: FetchableRecord>() throws -> R {
        do {
            switch storage {
            case .sqlite(let row): return try R(row: row)
            case .postgres(let columns, let values):
                return try R(row: Row(Dictionary(zip(columns.names, values)) { first, _ in first }))
            }
        } catch let error as RowDecodingError {
            throw UnreadableValue(error)
        } catch let error as DecodingError {
            throw UnreadableValue(error)
        }
    }
}

/// SQLite's `GLOB` patterns, for engines without it.
enum Glob {
    /// `pattern` as an anchored POSIX regular expression: `*` any text, `?` one character, `[…]` and `[^…]`
    /// a class, anything else itself.
    static func regularExpression(_ pattern: String) -> String {
        var expression = "^"
        var inClass = false
        for character in pattern {
            switch character {
            case "*" where !inClass: expression += ".*"
            case "?" where !inClass: expression += "."
            case "[" where !inClass:
                inClass = true
                expression += "["
            case "]" where inClass:
                inClass = false
                expression += "]"
            case _ where inClass: expression += character == "\\" ? "\\\\" : String(character)
            case _ where "\\.^$|()+{}[]".contains(character): expression += "\\" + String(character)
            default: expression.append(character)
            }
        }
        return expression + (inClass ? "]$" : "$")
    }
}

/// Reads a stored row column by column, for records that read their own rows: each read names its column by
/// `key`; a missing column reads as nil for an optional, and a value of another type is a `RowDecodingError`.
///
/// Reads are expected in the order of the row's columns: when the next column is the one named, its value is
/// taken after comparing the names, where a lookup by name (GRDB hashes the name) cost a tenth of an export.
/// Any other order still reads right, by name. One function per type records are made of, converting the
/// raw value without GRDB's generic decoding, which looks up the metadata of `Optional<T>` at run time for
/// every value (a fifth of a listing).
struct RowReader {
    private let row: Row
    private var next: Row.Index

    init(_ row: Row) {
        self.row = row
        next = row.startIndex
    }

    mutating func value(_ key: any CodingKey) throws -> String { try value(key, String.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> String? { try optional(key, String.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> Int64 { try value(key, Int64.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> Int64? { try optional(key, Int64.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> Bool { try value(key, Bool.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> Timestamp { try value(key, Timestamp.fromDatabaseValue) }
    mutating func value(_ key: any CodingKey) throws -> Timestamp? {
        try optional(key, Timestamp.fromDatabaseValue)
    }

    mutating func value<Value: RawRepresentable & DatabaseValueConvertible>(_ key: any CodingKey) throws -> Value
    where Value.RawValue == String {
        try value(key) { String.fromDatabaseValue($0).flatMap(Value.init(rawValue:)) }
    }

    /// The raw value of column `key`; NULL for a missing column.
    private mutating func raw(_ key: any CodingKey) -> DatabaseValue {
        if next < row.endIndex {
            let (name, value) = row[next]
            if name == key.stringValue {
                next = row.index(after: next)
                return value
            }
        }
        // The untyped subscript reads the value without generics.
        return row[key.stringValue]?.databaseValue ?? .null
    }

    /// Column `key` as `convert` reads its raw value; a value `convert` refuses (or a missing column) is
    /// ``UnreadableValue``.
    private mutating func value<Value: DatabaseValueConvertible>(
        _ key: any CodingKey, _ convert: (DatabaseValue) -> Value?
    ) throws -> Value {
        let raw = raw(key)
        guard let value = convert(raw) else { throw UnreadableValue(column: key.stringValue, value: raw) }
        return value
    }

    private mutating func optional<Value: DatabaseValueConvertible>(
        _ key: any CodingKey, _ convert: (DatabaseValue) -> Value?
    ) throws -> Value? {
        try value(key) { raw in raw.isNull ? .some(nil) : convert(raw).map(Optional.some) }
    }
}

/// A stored value incident cannot read as its column's type: a NULL in a column that is never NULL, text where a
/// number belongs, an unknown severity, a blob where text belongs, a time outside the years incident records.
/// Only a change made outside incident stores one; each engine turns it into ``IncidentError/database(_:)``
/// naming the database, and `db check` names its row.
struct UnreadableValue: Error {
    /// What is wrong, as `column NAME holds VALUE`, on one line and cut short.
    let detail: String

    init(column: String, value: DatabaseValue) {
        detail = Self.oneLine("column \(column) holds \(Self.shown(value))")
    }

    /// A value GRDB could not decode into a record: its description up to the row and query it goes on to print.
    init(_ error: RowDecodingError) {
        let description = String(describing: error)
        detail = Self.oneLine(
            description.range(of: ", row: ").map { String(description[..<$0.lowerBound]) } ?? description)
    }

    /// A value of a record's `Codable` property that did not decode.
    init(_ error: DecodingError) {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let found), .keyNotFound(_, let found), .typeMismatch(_, let found),
            .valueNotFound(_, let found):
            context = found
        @unknown default: context = DecodingError.Context(codingPath: [], debugDescription: "\(error)")
        }
        let column = context.codingPath.map(\.stringValue).joined(separator: ".")
        detail = Self.oneLine("column \(column): \(context.debugDescription)")
    }

    /// `value` as `T`, or this error for a value that is not one (NULL included).
    /// `column` is named only for the error: a row's column names are an array made on request.
    static func required<T: DatabaseValueConvertible>(
        _ value: DatabaseValue, column: @autoclosure () -> String
    ) throws -> T {
        guard let converted = T.fromDatabaseValue(value) else { throw UnreadableValue(column: column(), value: value) }
        return converted
    }

    /// `value` as `T`, nil for NULL, or this error for a value that is not a `T`.
    static func optional<T: DatabaseValueConvertible>(
        _ value: DatabaseValue, column: @autoclosure () -> String
    ) throws -> T? {
        value.isNull ? nil : try required(value, column: column()) as T
    }

    /// The error a command reports for this value in `database`.
    func error(in database: String) -> IncidentError {
        .database(
            "\(database) holds a value incident cannot read (\(detail)); it was changed outside incident: "
                + "`incident db check` names every such row; correct those rows, or restore the database from a backup")
    }

    /// The value as SQL would write it, cut short: the message must stay readable for a value of megabytes.
    private static func shown(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL where a value is required"
        case .blob(let data): "a blob of \(data.count) bytes"
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let string): "'" + string.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }

    /// `text` with its control characters shown (a stored value must not move the terminal's cursor or split
    /// the one-line message), cut to 200 characters.
    static func oneLine(_ text: String) -> String {
        let shown = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control ? Markdown.controlPicture($0) : $0 }
            ))
        return shown.count > 200 ? shown.prefix(199) + "…" : shown
    }
}
