/// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled.
enum CSV {
    /// Every column of an export; each record type fills its own (`id`, `kind`, `title`, `service`, `author`
    /// and `recorded_at` are shared).
    static let columns = [
        "record", "id", "incident_id", "title", "service", "severity", "kind", "fault", "started_at", "detected_at",
        "acknowledged_at", "mitigated_at", "resolved_at", "detection", "cause", "cause_category", "fix", "summary",
        "impact", "trigger", "lessons", "cancelled", "cancel_reason", "at", "text", "author", "recorded_at",
        "owner", "due", "url", "status", "created_at", "closed_at", "close_reason", "target", "fault_id",
        "caused_by", "version", "commit_sha", "committed_at", "deployed_at", "result", "strategy", "notes", "source",
    ]

    /// The columns added after exports were first written: a header written before them may lack them.
    static let laterColumns: Set<String> = [
        "caused_by", "version", "commit_sha", "committed_at", "deployed_at", "result", "strategy", "notes", "source",
    ]

    static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }

    /// Splits lines into records (a quoted field may span lines) and records into fields, each record with
    /// the number of the line it starts on.
    static func records(in lines: some Sequence<(number: Int, text: String)>) -> [(Int, [String])] {
        var records: [(Int, [String])] = []
        var pending: (number: Int, text: String)?
        for (number, text) in lines {
            let joined = pending.map { ($0.number, $0.text + "\n" + text) } ?? (number, text)
            if joined.1.reduce(0, { $1 == "\"" ? $0 + 1 : $0 }) % 2 == 1 {
                pending = joined
                continue
            }
            pending = nil
            var record = joined.1
            if record.hasSuffix("\r") { record.removeLast() }
            if !record.isEmpty { records.append((joined.0, fields(of: record))) }
        }
        if let pending { records.append((pending.number, fields(of: pending.text))) }
        return records
    }

    private static func fields(of record: String) -> [String] {
        let scalars = Array(record.unicodeScalars)
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if quoted && scalar == "\"" {
                if index + 1 < scalars.count && scalars[index + 1] == "\"" {
                    field.append(scalar)
                    index += 1
                } else {
                    quoted = false
                }
            } else if !quoted && scalar == "\"" {
                quoted = true
            } else if !quoted && scalar == "," {
                fields.append(String(field))
                field = String.UnicodeScalarView()
            } else {
                field.append(scalar)
            }
            index += 1
        }
        fields.append(String(field))
        return fields
    }
}
