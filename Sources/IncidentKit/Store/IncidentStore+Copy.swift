import GRDB

extension IncidentStore {
    /// The tables a copy carries, each before those that point to it, and the order its rows are read in.
    private static let copiedTables = [
        ("deploy", "id"), ("incident", "id"), ("timeline_event", "id"), ("action_item", "id"),
        ("incident_source", "key"),
        ("alert", "id"), ("decision", "id"), ("decision_option", "decision_id, position"),
        ("decision_consequence", "decision_id, position"), ("decision_incident", "decision_id, incident_id"),
        ("decision_slo", "decision_id, slo"), ("chaos_experiment", "id"),
    ]

    /// How many rows one INSERT of a copy writes: well under both engines' limits on arguments (SQLite 32,766,
    /// PostgreSQL 65,535) with the widest table's 26 columns.
    private static let rowsPerInsert = 500

    /// The rows of one table, read from one store to be written to another.
    private struct TableRows: Sendable {
        var table: String
        var columns: [String]
        var rows: [[DatabaseValue]]
    }

    /// Copies every record of this store (deploys, incidents with their timelines, action items and sources,
    /// alerts, decisions, chaos experiments) into `destination`, keeping every id, from one consistent read to
    /// one transaction of the destination; the destination must hold no record yet. SQLite and PostgreSQL
    /// stores copy either way. Returns what the copy holds.
    public func copy(to destination: IncidentStore) async throws -> DatabaseHealth {
        let source = path ?? "the database"
        let tables = try await read { db in
            // Rows are copied as they are stored: one incident cannot read would go on failing in the copy.
            let unreadable = try db.unreadableRows()
            if let first = unreadable.first {
                throw IncidentError.database(
                    "\(source) holds \(unreadable.count) row(s) incident cannot read (\(first)); correct them or "
                        + "restore the database from a backup before copying it (`incident db check` lists them)")
            }
            return try Self.copiedTables.map { table, order in
                let rows = try db.rows("SELECT * FROM \(table) ORDER BY \(order)")
                let columns = rows.first.map { Array($0.columnNames) } ?? []
                return TableRows(
                    table: table, columns: columns,
                    rows: rows.map { row in columns.map { row[$0] as DatabaseValue } })
            }
        }
        let name = destination.path ?? "the destination"
        try await destination.write { db in
            let held: Int =
                try db.value(
                    "SELECT (SELECT count(*) FROM incident) + (SELECT count(*) FROM alert) "
                        + "+ (SELECT count(*) FROM decision) + (SELECT count(*) FROM deploy) "
                        + "+ (SELECT count(*) FROM chaos_experiment)") ?? 0
            guard held == 0 else {
                throw IncidentError.conflict(
                    "\(name) holds records already; copy into a new file or an empty database, so that ids stay as "
                        + "they are")
            }
            var supersessions: [(decision: DatabaseValue, by: DatabaseValue)] = []
            for table in tables where !table.rows.isEmpty {
                let columns = table.columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
                let placeholders = "(" + table.columns.map { _ in "?" }.joined(separator: ", ") + ")"
                // A decision may point to a newer one: the links are written once every decision is.
                let link = table.table == "decision" ? table.columns.firstIndex(of: "superseded_by") : nil
                let id = table.columns.firstIndex(of: "id")
                var rows = table.rows
                if let link, let id {
                    for index in rows.indices where !rows[index][link].isNull {
                        supersessions.append((rows[index][id], rows[index][link]))
                        rows[index][link] = .null
                    }
                }
                // Many rows per statement: one round trip each, not one per row.
                for start in stride(from: 0, to: rows.count, by: Self.rowsPerInsert) {
                    let batch = rows[start..<min(start + Self.rowsPerInsert, rows.count)]
                    try db.execute(
                        "INSERT INTO \(table.table) (\(columns)) VALUES "
                            + Array(repeating: placeholders, count: batch.count).joined(separator: ", "),
                        Array(batch.joined()))
                }
            }
            for (decision, by) in supersessions {
                try db.execute("UPDATE decision SET superseded_by = ? WHERE id = ?", [by, decision])
            }
            try db.advanceIdGenerators()
        }
        return try await destination.check()
    }
}
